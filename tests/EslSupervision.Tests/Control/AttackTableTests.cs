using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using Moq;

namespace EslSupervision.Tests.Control;

/// <summary>
/// Every way someone might listen to a call they should not: each is refused audibly and cleanly (tone, then a
/// hang-up with CALL_REJECTED), no eavesdrop ever starts, and the agent's call is untouched.
/// </summary>
public class AttackTableTests
{
    private static async Task<(SupervisionAuditEvent Denied, FakeChannel Leg)> DialAndExpectRefusalAsync(SupervisionHarness lab, FakeChannel caller)
    {
        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, caller.Uuid);
        FakeChannel leg = await lab.HungUpAsync(caller.Uuid);
        Assert.Equal("CALL_REJECTED", leg.HangupCause);
        Assert.Null(lab.Switch.GetEavesdropTarget(caller.Uuid));
        string[] commands = [.. lab.Switch.Connections.SelectMany(c => c.ReceivedCommands)];
        Assert.DoesNotContain(commands, c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith("sendmsg " + caller.Uuid, StringComparison.Ordinal) && c.Contains("execute-app-name: playback", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.AuditTrail, e => e.Kind == SupervisionAuditKind.Started);
        return (denied, leg);
    }

    private static Task<FakeCall> OliviaOnACallAsync(SupervisionHarness lab)
        => lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"), "1004");

    [Fact]
    public async Task A_member_who_is_not_a_supervisor_is_refused()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1005", "pbx.lab", "*901004"));

        Assert.Equal(DenialReason.NotASupervisor, denied.DenialReason);
        Assert.False(lab.Switch.GetChannel(call.BLeg.Uuid)!.IsHungUp);
    }

    [Fact]
    public async Task The_supervisor_of_another_ring_group_is_refused()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await lab.OliviaTalksToAClientAsync();

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1012", "pbx.lab", "*901004"));

        Assert.Equal(DenialReason.NotASupervisor, denied.DenialReason);
    }

    [Fact]
    public async Task A_supervisor_of_another_tenant_cannot_reach_an_agent_with_the_same_extension()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await lab.OliviaTalksToAClientAsync();
        lab.Switch.AddUser(new FakeUser("1010", "other.lab", "Other Benjamin"));

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1010", "other.lab", "*901004"));

        // Other.lab's 1010 supervises other.lab's 1004, who is not on a call; pbx.lab's Olivia is out of reach.
        Assert.Equal(DenialReason.AgentNotOnCall, denied.DenialReason);
    }

    [Fact]
    public async Task An_unauthenticated_leg_is_refused_even_with_the_supervisors_caller_id()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await lab.OliviaTalksToAClientAsync();

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1010", "pbx.lab", "*901004", callerIdNumber: "1010", authenticated: false));

        Assert.Equal(DenialReason.Unauthenticated, denied.DenialReason);
    }

    [Fact]
    public async Task A_spoofed_caller_id_does_not_make_an_agent_a_supervisor()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await lab.OliviaTalksToAClientAsync();

        // Sam is authenticated as 1005 but presents Benjamin's number.
        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1005", "pbx.lab", "*901004", callerIdNumber: "1010"));

        Assert.Equal(DenialReason.NotASupervisor, denied.DenialReason);
        Assert.Equal("1005@pbx.lab", denied.Supervisor?.ToString());
    }

    [Fact]
    public async Task A_supervisor_cannot_supervise_themself()
    {
        await using var lab = await SupervisionHarness.StartAsync();

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1010", "pbx.lab", "*901010"));

        Assert.Equal(DenialReason.SelfSupervision, denied.DenialReason);
    }

    [Fact]
    public async Task A_supervisors_own_eavesdropping_leg_is_never_a_target()
    {
        var options = SupervisionHarness.LabOptions();
        options.RingGroups.Add(new RingGroupOptions
        {
            Name = "leads",
            Tenant = "pbx.lab",
            Members = { new RingGroupMemberOptions { Extension = "1010" }, new RingGroupMemberOptions { Extension = "1012", Supervisor = true } },
        });
        await using var lab = await SupervisionHarness.StartAsync(options);
        await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");

        FakeChannel mia = lab.Switch.DialParked("1012", "pbx.lab", "*901010");
        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, mia.Uuid);
        await lab.HungUpAsync(mia.Uuid);

        Assert.Contains(denied.DenialReason, new DenialReason?[] { DenialReason.AgentNotOnCall, DenialReason.TargetIsSupervisorLeg });
        Assert.Null(lab.Switch.GetEavesdropTarget(mia.Uuid));
    }

    [Fact]
    public async Task A_tenant_with_supervision_switched_off_is_refused()
    {
        var options = SupervisionHarness.LabOptions();
        options.Tenants["pbx.lab"].Enabled = false;
        await using var lab = await SupervisionHarness.StartAsync(options);
        await lab.OliviaTalksToAClientAsync();

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1010", "pbx.lab", "*901004"));

        Assert.Equal(DenialReason.SupervisionDisabled, denied.DenialReason);
    }

    [Fact]
    public async Task A_provider_that_throws_means_deny()
    {
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("directory down"));
        await using var lab = await SupervisionHarness.StartAsync(provider: provider.Object);
        await lab.OliviaTalksToAClientAsync();

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1010", "pbx.lab", "*901004"));

        Assert.Equal(DenialReason.ProviderError, denied.DenialReason);
    }

    [Fact]
    public async Task A_provider_that_hangs_means_deny_after_the_permission_timeout()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var provider = new Mock<ISupervisionPermissionProvider>();
        provider.Setup(p => p.AuthorizeAsync(It.IsAny<SupervisionRequest>(), It.IsAny<CancellationToken>()))
            .Returns((SupervisionRequest _, CancellationToken ct) =>
            {
                asked.TrySetResult();
                return new ValueTask<PermissionDecision>(Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => PermissionDecision.Allow(), TaskScheduler.Default));
            });
        await using var lab = await SupervisionHarness.StartAsync(provider: provider.Object, time: time);
        await lab.OliviaTalksToAClientAsync();

        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        await asked.Task.WaitAsync(SupervisionHarness.Patience);
        Assert.DoesNotContain(lab.AuditTrail, e => e.Kind == SupervisionAuditKind.Denied);
        time.Advance(TimeSpan.FromSeconds(3));

        var (denied, _) = await DialAndExpectRefusalAsync(lab, benjamin);
        Assert.Equal(DenialReason.ProviderTimeout, denied.DenialReason);
    }

    [Theory]
    [InlineData("*90abc")]
    [InlineData("*90")]
    [InlineData("*9010044444444444444444444444444444444444444444444")]
    [InlineData("*901")]
    public async Task Malformed_service_codes_are_refused_not_guessed(string dialed)
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await lab.OliviaTalksToAClientAsync();

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1010", "pbx.lab", dialed));

        Assert.Equal(DenialReason.InvalidServiceCode, denied.DenialReason);
    }

    [Theory]
    [InlineData("*901011")]
    [InlineData("*909999")]
    public async Task An_agent_who_is_not_on_a_call_or_does_not_exist_is_refused(string dialed)
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await lab.OliviaTalksToAClientAsync();
        var options = lab.Options.CurrentValue;
        options.RingGroups[0].Members.Add(new RingGroupMemberOptions { Extension = "1011" });

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1010", "pbx.lab", dialed));

        Assert.Equal(DenialReason.AgentNotOnCall, denied.DenialReason);
    }

    [Fact]
    public async Task A_ring_group_loser_that_answered_is_not_on_the_call()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await lab.CallAsync(fs => fs.RingGroup("4915550001", "Client", "5554000", ["1004", "1005"], "pbx.lab", winnerIndex: 0), "1004");

        var (denied, _) = await DialAndExpectRefusalAsync(lab, lab.Switch.DialParked("1010", "pbx.lab", "*901005"));

        Assert.Equal(DenialReason.AgentNotOnCall, denied.DenialReason);
    }

    [Fact]
    public async Task A_forbidden_key_changes_nothing_and_is_not_even_bound()
    {
        var options = SupervisionHarness.LabOptions();
        options.RingGroups[0].Members.Single(m => m.Extension == "1010").AllowedModes = [SupervisionMode.Spy, SupervisionMode.Whisper];
        await using var lab = await SupervisionHarness.StartAsync(options);
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");

        await lab.Switch.PressDigitAsync(benjamin.Uuid, '2');
        await lab.Switch.PressDigitAsync(benjamin.Uuid, '7');
        await lab.Switch.PressDigitAsync(benjamin.Uuid, '1');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Whisper);

        Assert.DoesNotContain(lab.AuditTrail, e => e.Mode == SupervisionMode.Barge && e.Kind == SupervisionAuditKind.ModeChanged);
        Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
        Assert.DoesNotContain(lab.Switch.Connections.Single().ReceivedCommands, c => c.Contains("ESL-Supervision-Digit=2", StringComparison.Ordinal));

        // The API is checked the same way.
        PermissionDecision viaApi = await lab.Controller.SwitchModeAsync(benjamin.Uuid, SupervisionMode.Barge);
        Assert.Equal(DenialReason.ModeNotAllowed, viaApi.Reason);
        Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
    }

    [Fact]
    public async Task Permissions_are_checked_again_on_every_switch_so_a_revoked_supervisor_cannot_barge()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");

        // Benjamin is no longer a supervisor, changed in place with no change signal (a reload also cuts him off at
        // once: RevocationTests): the key press alone must be checked again.
        lab.Options.CurrentValue.RingGroups[0].Members.Single(m => m.Extension == "1010").Supervisor = false;

        await lab.Switch.PressDigitAsync(benjamin.Uuid, '2');
        SupervisionAuditEvent refused = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChangeDenied);

        Assert.Equal(DenialReason.NotASupervisor, refused.DenialReason);
        Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
        Assert.False(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
    }

    [Fact]
    public async Task Other_parked_calls_are_left_alone()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeChannel parked = lab.Switch.DialParked("1005", "pbx.lab", "7001");
        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*909999");
        await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, benjamin.Uuid);

        Assert.False(lab.Switch.GetChannel(parked.Uuid)!.IsHungUp);
        Assert.DoesNotContain(lab.AuditTrail, e => e.SupervisorLegId == parked.Uuid);
        Assert.DoesNotContain(lab.Switch.Connections.Single().ReceivedCommands, c => c.Contains(parked.Uuid, StringComparison.Ordinal));
    }
}
