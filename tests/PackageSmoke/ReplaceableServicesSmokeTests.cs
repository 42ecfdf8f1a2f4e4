using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using Microsoft.Extensions.Options;
using Xunit;

namespace PackageSmoke;

/// <summary>A tenant policy, an agent-leg rule and a connection of the consumer's own, through the packages' public API only.</summary>
public class ReplaceableServicesSmokeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_custom_tenant_policy_and_a_replaced_connection_drive_a_real_supervision()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "smoke-secret" }, timeout.Token);
        foreach (var (ext, name) in new[] { ("1004", "Olivia"), ("1010", "Benjamin") })
        {
            fs.AddUser(new FakeUser(ext, "pbx.lab", name));
        }

        var options = new SupervisionOptions();   // no tenant in the settings: the policy alone switches pbx.lab on
        options.RingGroups.Add(new RingGroupOptions
        {
            Name = "support",
            Tenant = "pbx.lab",
            Members = [new RingGroupMemberOptions { Extension = "1004" }, new RingGroupMemberOptions { Extension = "1010", Supervisor = true }],
        });
        var monitor = new FixedOptions(options);
        var policy = new TenantTable();
        await using var connection = new CountingConnection(new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "smoke-secret" }));
        using var registry = new CallRegistry();
        await using var controller = new SupervisionController(connection, registry, new RingGroupPermissionProvider(monitor), monitor, tenantPolicy: policy);
        var audit = new ConcurrentQueue<SupervisionAuditEvent>();
        using IDisposable auditing = controller.Audit.Subscribe(audit.Enqueue);

        await connection.ConnectAsync(timeout.Token);
        await controller.StartAsync(timeout.Token);
        Task bridged = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged).ToTask(timeout.Token);
        fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");
        await bridged;

        Task<SupervisionAuditEvent> denied = controller.Audit.FirstAsync(e => e.Kind == SupervisionAuditKind.Denied).ToTask(timeout.Token);
        fs.DialParked("1010", "pbx.lab", "*901004");
        Assert.Equal(DenialReason.SupervisionDisabled, (await denied).DenialReason);

        policy.Enabled["pbx.lab"] = true;
        Task<SupervisionAuditEvent> started = controller.Audit.FirstAsync(e => e.Kind == SupervisionAuditKind.Started).ToTask(timeout.Token);
        fs.DialParked("1010", "pbx.lab", "*901004");
        await started;

        Assert.Single(controller.ActiveSupervisions);
        Assert.Contains("eavesdrop", connection.Executed);
        Assert.NotEmpty(policy.Asked);
        Assert.All(policy.Asked, t => Assert.Equal("pbx.lab", t));
    }

    [Fact]
    public async Task A_custom_agent_leg_rule_makes_a_leg_reached_through_a_gateway_supervisable()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "smoke-secret" }, timeout.Token);
        fs.AddUser(new FakeUser("1010", "pbx.lab", "Benjamin"));
        var options = new SupervisionOptions();
        options.Tenants["pbx.lab"] = new TenantOptions { Enabled = true };
        options.RingGroups.Add(new RingGroupOptions
        {
            Name = "support",
            Tenant = "pbx.lab",
            Members = [new RingGroupMemberOptions { Extension = "1004" }, new RingGroupMemberOptions { Extension = "1010", Supervisor = true }],
        });
        var monitor = new FixedOptions(options);
        await using var connection = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "smoke-secret" });
        using var registry = new CallRegistry(new DeskPhoneRule());
        await using var controller = new SupervisionController(connection, registry, new RingGroupPermissionProvider(monitor), monitor);
        await connection.ConnectAsync(timeout.Token);
        await controller.StartAsync(timeout.Token);

        // Olivia's desk phone is reached through a gateway; the PBX marks her leg with presence_id only.
        Task bridged = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged).ToTask(timeout.Token);
        EslOriginateResult client = await connection.OriginateAsync(new EslOriginateRequest("sofia/gateway/carrier/4915550001"), timeout.Token);
        EslOriginateResult desk = await connection.OriginateAsync(
            new EslOriginateRequest("sofia/gateway/desks/1004") { Variables = new Dictionary<string, string> { ["presence_id"] = "1004@pbx.lab" } },
            timeout.Token);
        await connection.BridgeAsync(client.UniqueId, desk.UniqueId, timeout.Token);
        await bridged;
        Assert.Equal(desk.UniqueId, registry.FindActiveAgentLeg("pbx.lab", "1004")?.UniqueId);

        Task<SupervisionAuditEvent> started = controller.Audit.FirstAsync(e => e.Kind == SupervisionAuditKind.Started).ToTask(timeout.Token);
        FakeChannel benjamin = fs.DialParked("1010", "pbx.lab", "*901004");
        Assert.Equal(desk.UniqueId, (await started).AgentLegId);
        await fs.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.CurrentApplication == "eavesdrop", timeout.Token);
        Assert.True(fs.Hears(benjamin.Uuid, desk.UniqueId));
        Assert.True(fs.Hears(benjamin.Uuid, client.UniqueId));
        Assert.False(fs.Hears(client.UniqueId, benjamin.Uuid));
    }

    /// <summary>Agent legs are outbound legs with <c>presence_id=EXT@TENANT</c>; every other leg is left to the default rule.</summary>
    private sealed class DeskPhoneRule : IAgentLegRule
    {
        public UserIdentity? Identify(AgentLegFacts facts)
            => facts.Direction == CallDirection.Outbound && facts.DialedUser is null && facts.PresenceId?.Split('@') is [{ Length: > 0 } extension, { Length: > 0 } tenant]
                ? new UserIdentity(tenant, extension)
                : DefaultAgentLegRule.Instance.Identify(facts);
    }

    private sealed class FixedOptions(SupervisionOptions value) : IOptionsMonitor<SupervisionOptions>
    {
        public SupervisionOptions CurrentValue => value;

        public SupervisionOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<SupervisionOptions, string?> listener) => null;
    }

    private sealed class TenantTable : ITenantPolicy
    {
        public ConcurrentDictionary<string, bool> Enabled { get; } = new(StringComparer.OrdinalIgnoreCase);

        public ConcurrentQueue<string> Asked { get; } = new();

        public ValueTask<bool> IsEnabledAsync(string tenant, CancellationToken cancellationToken)
        {
            Asked.Enqueue(tenant);
            return ValueTask.FromResult(Enabled.TryGetValue(tenant, out bool on) && on);
        }
    }

    private sealed class CountingConnection(EslInboundClient inner) : IEslInboundConnection
    {
        public ConcurrentQueue<string> Executed { get; } = new();

        public IObservable<EslEvent> Events => inner.Events;

        public IObservable<EslConnectionState> StateChanges => inner.StateChanges;

        public EslConnectionState State => inner.State;

        public EslEventReader CreateEventReader(EslEventReaderOptions? options = null) => inner.CreateEventReader(options);

        public Task ConnectAsync(CancellationToken cancellationToken = default) => inner.ConnectAsync(cancellationToken);

        public Task ConnectUntilConnectedAsync(CancellationToken cancellationToken) => inner.ConnectUntilConnectedAsync(cancellationToken);

        public EslConnectionHealth GetHealth() => inner.GetHealth();

        public Task<EslApiResponse> ApiAsync(string command, string? arguments = null, CancellationToken cancellationToken = default)
            => inner.ApiAsync(command, arguments, cancellationToken);

        public Task<EslBackgroundJobResult> BackgroundApiAsync(string command, string? arguments = null, CancellationToken cancellationToken = default)
            => inner.BackgroundApiAsync(command, arguments, cancellationToken);

        public Task<EslExecution> ExecuteAsync(string uniqueId, string application, string? arguments = null, EslExecuteOptions? options = null, CancellationToken cancellationToken = default)
        {
            Executed.Enqueue(application);
            return inner.ExecuteAsync(uniqueId, application, arguments, options, cancellationToken);
        }

        public Task<bool> HangupAsync(string uniqueId, string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default)
            => inner.HangupAsync(uniqueId, cause, cancellationToken);

        public Task<string> SendEventAsync(string eventName, IEnumerable<KeyValuePair<string, string>> headers, string? body = null, CancellationToken cancellationToken = default)
            => inner.SendEventAsync(eventName, headers, body, cancellationToken);

        public Task SubscribeAsync(IEnumerable<string> eventNames, IEnumerable<string>? customSubclasses = null, EslEventFormat format = EslEventFormat.Plain, CancellationToken cancellationToken = default)
            => inner.SubscribeAsync(eventNames, customSubclasses, format, cancellationToken);

        public Task UnsubscribeAsync(IEnumerable<string> eventNames, IEnumerable<string>? customSubclasses = null, CancellationToken cancellationToken = default)
            => inner.UnsubscribeAsync(eventNames, customSubclasses, cancellationToken);

        public Task AddFilterAsync(string header, string value, CancellationToken cancellationToken = default)
            => inner.AddFilterAsync(header, value, cancellationToken);

        public Task RemoveFilterAsync(string header, string? value = null, CancellationToken cancellationToken = default)
            => inner.RemoveFilterAsync(header, value, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
