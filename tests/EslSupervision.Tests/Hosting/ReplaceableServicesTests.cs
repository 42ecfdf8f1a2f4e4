using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Hosting;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Calls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EslSupervision.Tests.Hosting;

/// <summary>What the README promises can be replaced through DI: the tenant policy, the agent-leg rule and the connection; and a synchronous dispose.</summary>
public class ReplaceableServicesTests
{
    public static TheoryData<string> Orders() => ["before", "after"];

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_tenant_policy_from_the_pbx_database_overrules_the_settings_in_either_order(string order)
    {
        var policy = new TenantTable { ["pbx.lab"] = false };
        Action<IServiceCollection> register = s => s.AddSingleton<ITenantPolicy>(policy);
        await using LabHost lab = await LabHost.StartAsync(before: order == "before" ? register : null, after: order == "after" ? register : null);
        await lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"), "1004");

        // The settings switch pbx.lab on; the PBX's own table says off, and it wins.
        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Denied && e.SupervisorLegId == benjamin.Uuid);
        Assert.Equal(DenialReason.SupervisionDisabled, denied.DenialReason);
        Assert.Contains("pbx.lab", policy.Asked);
        Assert.Null(lab.Switch.GetEavesdropTarget(benjamin.Uuid));

        // Switched on in the table: the next attempt runs, with no settings reload.
        policy["pbx.lab"] = true;
        FakeChannel again = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == again.Uuid);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_agent_leg_rule_registered_in_DI_makes_a_gateway_agent_leg_supervisable(bool customRule)
    {
        // A PBX that reaches Olivia's desk phone through a gateway: no user/ bridge, only presence_id on her leg.
        Action<IServiceCollection>? register = customRule ? s => s.AddSingleton<IAgentLegRule>(new AgentLegRuleTests.PresenceRule()) : null;
        await using LabHost lab = await LabHost.StartAsync(after: register);
        IEslConnection esl = lab.Services.GetRequiredService<IEslConnection>();
        CallRegistry registry = lab.Services.GetRequiredService<CallRegistry>();
        Task bridged = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged).ToTask();
        EslOriginateResult client = await esl.OriginateAsync(new EslOriginateRequest("sofia/gateway/carrier/4915550001")).WaitAsync(LabHost.Patience);
        EslOriginateResult desk = await esl.OriginateAsync(new EslOriginateRequest("sofia/gateway/desks/1004")
        {
            Variables = new Dictionary<string, string> { ["presence_id"] = "1004@pbx.lab" },
        }).WaitAsync(LabHost.Patience);
        await esl.BridgeAsync(client.UniqueId, desk.UniqueId).WaitAsync(LabHost.Patience);
        await bridged.WaitAsync(LabHost.Patience);

        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");

        if (!customRule)
        {
            // The default rule knows only user/ bridges and authenticated phones: Olivia is on no call it can see.
            SupervisionAuditEvent denied = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Denied && e.SupervisorLegId == benjamin.Uuid);
            Assert.Equal(DenialReason.AgentNotOnCall, denied.DenialReason);
            Assert.Null(lab.Switch.GetEavesdropTarget(benjamin.Uuid));
            Assert.False(lab.Switch.Hears(benjamin.Uuid, desk.UniqueId));
            return;
        }

        Assert.Same(registry, lab.Services.GetRequiredService<ICallRegistry>());
        SupervisionAuditEvent started = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == benjamin.Uuid);
        await lab.Switch.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.CurrentApplication == "eavesdrop").WaitAsync(LabHost.Patience);
        Assert.Equal(desk.UniqueId, started.AgentLegId);
        Assert.Equal("1004@pbx.lab", started.Agent?.ToString());
        Assert.Equal(desk.UniqueId, lab.Switch.GetEavesdropTarget(benjamin.Uuid));
        Assert.True(lab.Switch.Hears(benjamin.Uuid, desk.UniqueId));
        Assert.True(lab.Switch.Hears(benjamin.Uuid, client.UniqueId));
        Assert.False(lab.Switch.Hears(desk.UniqueId, benjamin.Uuid));
        Assert.False(lab.Switch.Hears(client.UniqueId, benjamin.Uuid));

        // Whisper reaches the leg the custom rule named, and still not the client.
        await lab.Switch.PressDigitAsync(benjamin.Uuid, '1');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.SupervisorLegId == benjamin.Uuid && e.Mode == SupervisionMode.Whisper);
        Assert.True(lab.Switch.Hears(desk.UniqueId, benjamin.Uuid));
        Assert.False(lab.Switch.Hears(client.UniqueId, benjamin.Uuid));
    }

    [Fact]
    public async Task A_replaced_connection_is_the_one_the_host_connects_and_the_controller_uses()
    {
        CountingConnection? mine = null;
        await using LabHost lab = await LabHost.StartAsync(after: s => s.AddSingleton<IEslInboundConnection>(sp =>
            mine = new CountingConnection(new EslInboundClient(sp.GetRequiredService<IOptions<EslClientOptions>>()))));
        await lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"), "1004");

        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == benjamin.Uuid);

        Assert.NotNull(mine);
        Assert.Same(mine, lab.Services.GetRequiredService<IEslConnection>());
        Assert.Equal(1, mine.Connects);
        Assert.Contains("eavesdrop", mine.Executed);
    }

    [Fact]
    public async Task Disposing_the_provider_synchronously_closes_the_connection_and_does_not_throw()
    {
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = LabHost.Password });
        var services = new ServiceCollection();
        services.AddEslSupervision(o => o.Tenants["pbx.lab"] = new TenantOptions { Enabled = true }, c => (c.Host, c.Port, c.Password) = ("127.0.0.1", fs.Port, LabHost.Password));
        ServiceProvider provider = services.BuildServiceProvider();
        var hosted = provider.GetRequiredService<SupervisionHostedService>();
        await hosted.StartAsync(CancellationToken.None).WaitAsync(LabHost.Patience);
        await hosted.SupervisionStarted.WaitAsync(LabHost.Patience);
        EslInboundClient client = provider.GetRequiredService<EslInboundClient>();
        Assert.Equal(EslConnectionState.Connected, client.State);

        provider.Dispose();

        Assert.Equal(EslConnectionState.Closed, client.State);
        await Assert.ThrowsAnyAsync<Exception>(() => client.ApiAsync("status"));
    }

    /// <summary>A PBX's own tenant table.</summary>
    private sealed class TenantTable : ITenantPolicy
    {
        private readonly ConcurrentDictionary<string, bool> _enabled = new(StringComparer.OrdinalIgnoreCase);

        public ConcurrentQueue<string> Asked { get; } = new();

        public bool this[string tenant]
        {
            set => _enabled[tenant] = value;
        }

        public ValueTask<bool> IsEnabledAsync(string tenant, CancellationToken cancellationToken)
        {
            Asked.Enqueue(tenant);
            return ValueTask.FromResult(_enabled.TryGetValue(tenant, out bool on) && on);
        }
    }

    /// <summary>An application's own connection: wraps the library's client and counts what goes through it.</summary>
    private sealed class CountingConnection(EslInboundClient inner) : IEslInboundConnection
    {
        private int _connects;

        public int Connects => Volatile.Read(ref _connects);

        public ConcurrentQueue<string> Executed { get; } = new();

        public IObservable<EslEvent> Events => inner.Events;

        public IObservable<EslConnectionState> StateChanges => inner.StateChanges;

        public EslConnectionState State => inner.State;

        public EslEventReader CreateEventReader(EslEventReaderOptions? options = null) => inner.CreateEventReader(options);

        public Task ConnectAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _connects);
            return inner.ConnectAsync(cancellationToken);
        }

        public Task ConnectUntilConnectedAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _connects);
            return inner.ConnectUntilConnectedAsync(cancellationToken);
        }

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
