using EslSupervision.Permissions;

namespace EslSupervision.Tests.Permissions;

public class RingGroupPermissionProviderTests
{
    internal static SupervisionOptions LabOptions()
    {
        var options = new SupervisionOptions();
        options.Tenants["pbx.lab"] = new TenantOptions { Enabled = true };
        options.Tenants["other.lab"] = new TenantOptions { Enabled = true };
        options.RingGroups.Add(new RingGroupOptions
        {
            Name = "support",
            Tenant = "pbx.lab",
            Members =
            [
                new() { Extension = "1004" },
                new() { Extension = "1010", Supervisor = true },
                new() { Extension = "1011", Supervisor = true, AllowedModes = [SupervisionMode.Spy] },
            ],
        });
        options.RingGroups.Add(new RingGroupOptions
        {
            Name = "sales",
            Tenant = "pbx.lab",
            Members = [new() { Extension = "1005" }, new() { Extension = "1020", Supervisor = true }],
        });
        options.RingGroups.Add(new RingGroupOptions
        {
            Name = "support",
            Tenant = "other.lab",
            Members = [new() { Extension = "1004" }, new() { Extension = "1030", Supervisor = true }],
        });
        return options;
    }

    private static async Task<PermissionDecision> Decide(SupervisionOptions options, string supervisor, string agent, SupervisionMode mode, string tenant = "pbx.lab")
        => await new RingGroupPermissionProvider(new TestOptionsMonitor<SupervisionOptions>(options))
            .AuthorizeAsync(new SupervisionRequest(tenant, supervisor, agent, mode), CancellationToken.None);

    [Theory]
    [InlineData(SupervisionMode.Spy)]
    [InlineData(SupervisionMode.Whisper)]
    [InlineData(SupervisionMode.Barge)]
    public async Task A_supervisor_of_the_agents_group_may_use_every_mode_by_default(SupervisionMode mode)
    {
        Assert.True((await Decide(LabOptions(), "1010", "1004", mode)).IsAllowed);
    }

    [Fact]
    public async Task A_plain_member_may_not_supervise()
    {
        PermissionDecision decision = await Decide(LabOptions(), "1004", "1010", SupervisionMode.Spy);

        Assert.False(decision.IsAllowed);
        Assert.Equal(DenialReason.NotASupervisor, decision.Reason);
    }

    [Fact]
    public async Task A_supervisor_of_another_group_may_not_supervise()
    {
        PermissionDecision decision = await Decide(LabOptions(), "1020", "1004", SupervisionMode.Spy);

        Assert.Equal(DenialReason.NotASupervisor, decision.Reason);
    }

    [Fact]
    public async Task A_supervisor_in_another_tenant_with_the_same_extensions_may_not_supervise()
    {
        // 1030 supervises 1004 in other.lab, not in pbx.lab.
        Assert.Equal(DenialReason.NotASupervisor, (await Decide(LabOptions(), "1030", "1004", SupervisionMode.Spy)).Reason);
        Assert.True((await Decide(LabOptions(), "1030", "1004", SupervisionMode.Spy, "other.lab")).IsAllowed);
        Assert.Equal(DenialReason.NotASupervisor, (await Decide(LabOptions(), "1010", "1004", SupervisionMode.Spy, "other.lab")).Reason);
    }

    [Fact]
    public async Task Allowed_modes_restrict_the_supervisor()
    {
        Assert.True((await Decide(LabOptions(), "1011", "1004", SupervisionMode.Spy)).IsAllowed);
        PermissionDecision barge = await Decide(LabOptions(), "1011", "1004", SupervisionMode.Barge);

        Assert.False(barge.IsAllowed);
        Assert.Equal(DenialReason.ModeNotAllowed, barge.Reason);
    }

    [Fact]
    public async Task Any_group_that_allows_suffices()
    {
        SupervisionOptions options = LabOptions();
        options.RingGroups.Add(new RingGroupOptions
        {
            Name = "escalation",
            Tenant = "pbx.lab",
            Members = [new() { Extension = "1004" }, new() { Extension = "1011", Supervisor = true, AllowedModes = [SupervisionMode.Barge] }],
        });

        Assert.True((await Decide(options, "1011", "1004", SupervisionMode.Barge)).IsAllowed);
        Assert.Equal(DenialReason.ModeNotAllowed, (await Decide(options, "1011", "1004", SupervisionMode.Whisper)).Reason);
    }

    [Fact]
    public async Task A_reload_applies_to_the_next_decision()
    {
        var monitor = new TestOptionsMonitor<SupervisionOptions>(LabOptions());
        var provider = new RingGroupPermissionProvider(monitor);
        var request = new SupervisionRequest("pbx.lab", "1010", "1004", SupervisionMode.Whisper);
        Assert.True((await provider.AuthorizeAsync(request, CancellationToken.None)).IsAllowed);

        SupervisionOptions reloaded = LabOptions();
        reloaded.RingGroups[0].Members[1].Supervisor = false;
        monitor.CurrentValue = reloaded;

        Assert.Equal(DenialReason.NotASupervisor, (await provider.AuthorizeAsync(request, CancellationToken.None)).Reason);
    }
}
