using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Control;
using EslSupervision.Tests.Permissions;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Several fake switches (named a, b, c, ...), each with the seed's lab users, one inbound client each, and one
/// <see cref="SupervisionCluster"/> over them, built with plain <c>new</c> as an integrator without DI would.
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    public static readonly TimeSpan Patience = SupervisionHarness.Patience;

    private readonly List<SupervisionAuditEvent> _audit = [];
    private readonly List<(Func<SupervisionAuditEvent, bool> Match, TaskCompletionSource<SupervisionAuditEvent> Signal)> _waiters = [];
    private IDisposable? _auditSubscription;
    private SupervisionCluster.SwitchEndpoint[] _endpoints = [];
    private IRelayTokens? _tokens;
    private ISupervisionPermissionProvider _provider = null!;

    private ClusterHarness(IReadOnlyDictionary<string, FakeFreeSwitch> switches, IReadOnlyDictionary<string, EslInboundClient> clients, TestOptionsMonitor<SupervisionOptions> options)
    {
        Switches = switches;
        Clients = clients;
        Options = options;
    }

    public IReadOnlyDictionary<string, FakeFreeSwitch> Switches { get; }

    public IReadOnlyDictionary<string, EslInboundClient> Clients { get; }

    public TestOptionsMonitor<SupervisionOptions> Options { get; }

    public SupervisionCluster Cluster { get; private set; } = null!;

    public IReadOnlyList<SupervisionAuditEvent> AuditTrail
    {
        get
        {
            lock (_audit)
            {
                return [.. _audit];
            }
        }
    }

    /// <summary>The clock of the token issuer and validator (expiry), apart from the switches' and controllers' clocks.</summary>
    public FakeTimeProvider TokenTime { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The cluster's shared token settings (key <see cref="TokenKit.KeyA"/>).</summary>
    public SupervisionTokenOptions TokenOptions { get; } = TokenKit.NewOptions();

    /// <summary>An issuer with the cluster's key and clock: what an attacker who stole the key could do, or a test that ages a token.</summary>
    public SupervisionTokenIssuer Issuer => SupervisionTokenFactory.CreateIssuer(TokenOptions, TokenTime);

    /// <summary>Starts <paramref name="names"/> fake switches, linked to each other (gateway <c>to-NAME</c> on every other switch), and the cluster over them.</summary>
    /// <param name="names">Switch names.</param>
    /// <param name="withTokens">Whether the cluster has a token key; without one, cross-switch supervision is refused.</param>
    /// <param name="dialString">The dial string template per switch (by name); default <c>sofia/gateway/to-NAME/{destination}</c>.</param>
    /// <param name="registered">Whether a lab user's phone (switch, extension) is registered on a switch; all are by default.</param>
    /// <param name="provider">The permission provider; the lab's ring groups by default.</param>
    public static async Task<ClusterHarness> StartAsync(string[] names, bool withTokens = true, Func<string, string?>? dialString = null, Func<string, string, bool>? registered = null, Func<TestOptionsMonitor<SupervisionOptions>, ISupervisionPermissionProvider>? provider = null)
    {
        var switches = new Dictionary<string, FakeFreeSwitch>(StringComparer.OrdinalIgnoreCase);
        var clients = new Dictionary<string, EslInboundClient>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in names)
        {
            FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret", Hostname = "fs-" + name });
            foreach (var (ext, user) in new[] { ("1004", "Olivia"), ("1005", "Sam"), ("1010", "Benjamin"), ("1011", "Lena"), ("1012", "Mia") })
            {
                fs.AddUser(new FakeUser(ext, "pbx.lab", user) { Registered = registered?.Invoke(name, ext) ?? true });
            }

            switches[name] = fs;
            var client = new EslInboundClient(new EslClientOptions
            {
                Host = "127.0.0.1",
                Port = fs.Port,
                Password = "lab-secret",
                ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            });
            await client.ConnectAsync();
            clients[name] = client;
        }

        foreach (string from in names)
        {
            foreach (string to in names.Where(n => n != from))
            {
                switches[from].LinkPeer(switches[to], "to-" + to);
            }
        }

        var monitor = new TestOptionsMonitor<SupervisionOptions>(SupervisionHarness.LabOptions());
        var harness = new ClusterHarness(switches, clients, monitor);
        IRelayTokens? tokens = withTokens
            ? new RelayTokens(
                SupervisionTokenFactory.CreateIssuer(harness.TokenOptions, harness.TokenTime),
                SupervisionTokenFactory.CreateValidator(harness.TokenOptions, new InMemorySupervisionTokenStore(harness.TokenTime), harness.TokenTime))
            : null;
        harness._endpoints = [.. names.Select(n => new SupervisionCluster.SwitchEndpoint(n, clients[n], dialString is null ? $"sofia/gateway/to-{n}/{{destination}}" : dialString(n)))];
        harness._tokens = tokens;
        harness._provider = provider?.Invoke(monitor) ?? new RingGroupPermissionProvider(monitor);
        await harness.StartClusterAsync();
        return harness;
    }

    /// <summary>A new controller process on the same connections: the old cluster is dropped (its supervisions stay in the switches) and a new one adopts them.</summary>
    public async Task RestartClusterAsync()
    {
        _auditSubscription?.Dispose();
        await Cluster.DisposeAsync();
        await StartClusterAsync();
    }

    private async Task StartClusterAsync()
    {
        Cluster = SupervisionCluster.Create(_endpoints, _provider, Options, _tokens);
        _auditSubscription = Cluster.Audit.Subscribe(OnAudit);
        await Cluster.StartAsync().WaitAsync(Patience);
    }

    /// <summary>Places a call on one switch and waits until the cluster's registry knows the agent's bridged leg there.</summary>
    public async Task<FakeCall> CallAsync(string switchName, Func<FakeFreeSwitch, FakeCall> place, string agentExtension)
    {
        ICallRegistry registry = Cluster.Registry;
        Task bridged = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged && registry.FindActiveAgentLeg("pbx.lab", agentExtension) is not null).ToTask();
        FakeCall call = place(Switches[switchName]);
        await bridged.WaitAsync(Patience);
        return call;
    }

    /// <summary>A client calls an agent on one switch.</summary>
    public Task<FakeCall> ClientCallsAsync(string switchName, string agentExtension)
        => CallAsync(switchName, fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", agentExtension, "pbx.lab"), agentExtension);

    public Task<SupervisionAuditEvent> WaitForAuditAsync(Func<SupervisionAuditEvent, bool> match)
    {
        lock (_audit)
        {
            SupervisionAuditEvent? seen = _audit.FirstOrDefault(match);
            if (seen is not null)
            {
                return Task.FromResult(seen);
            }

            var signal = new TaskCompletionSource<SupervisionAuditEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, signal));
            return signal.Task.WaitAsync(Patience);
        }
    }

    public Task<SupervisionAuditEvent> WaitForAuditAsync(SupervisionAuditKind kind, string supervisorLeg)
        => WaitForAuditAsync(e => e.Kind == kind && e.SupervisorLegId == supervisorLeg);

    /// <summary>Waits until a leg runs eavesdrop inside a switch.</summary>
    public Task<FakeChannel> EavesdroppingAsync(string switchName, string leg)
        => Switches[switchName].WaitForChannelAsync(c => c.Uuid == leg && c.CurrentApplication == "eavesdrop").WaitAsync(Patience);

    public Task<FakeChannel> HungUpAsync(string switchName, string leg)
        => Switches[switchName].WaitForChannelAsync(c => c.Uuid == leg && c.IsHungUp).WaitAsync(Patience);

    /// <summary>Waits until a leg that arrived over a trunk runs eavesdrop on <paramref name="agentLeg"/> in a switch.</summary>
    public Task<FakeChannel> ArrivingLegAsync(string switchName, string agentLeg)
        => Switches[switchName].WaitForChannelAsync(c => c.TrunkPeerUuid is not null && c.CurrentApplication == "eavesdrop" && Switches[switchName].GetEavesdropTarget(c.Uuid) == agentLeg).WaitAsync(Patience);

    /// <summary>Presses a key on the supervisor's phone leg and waits for the mode change it causes (wherever the supervision runs).</summary>
    public async Task PressAsync(string supervisorLeg, char digit, SupervisionMode expected)
    {
        int before = AuditTrail.Count(e => e.Kind == SupervisionAuditKind.ModeChanged && e.SupervisorLegId == supervisorLeg);
        FakeFreeSwitch holder = Switches.Values.First(fs => fs.GetChannel(supervisorLeg) is not null);
        await holder.PressDigitAsync(supervisorLeg, digit);
        SupervisionAuditEvent changed = await WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.SupervisorLegId == supervisorLeg && e.Mode == expected
            && AuditTrail.Count(x => x.Kind == SupervisionAuditKind.ModeChanged && x.SupervisorLegId == supervisorLeg) > before);
        Assert.Equal(digit.ToString(), changed.Digit);
        Assert.Equal(SupervisionTrigger.Digit, changed.Trigger);
    }

    /// <summary>Asserts the local refusal: a tone played on the leg, then a hang-up that says "refused", and no eavesdrop.</summary>
    public async Task RefusedAudiblyAsync(string switchName, string leg)
    {
        FakeChannel refused = await HungUpAsync(switchName, leg);
        Assert.Equal("CALL_REJECTED", refused.HangupCause);
        Assert.Null(Switches[switchName].GetEavesdropTarget(leg));
        Assert.Contains(Switches[switchName].Connections.SelectMany(c => c.ReceivedCommands), c => c.StartsWith("sendmsg " + leg, StringComparison.Ordinal) && c.Contains("execute-app-name: playback", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _auditSubscription?.Dispose();
        foreach (EslInboundClient client in Clients.Values)
        {
            await client.DisposeAsync();
        }

        foreach (FakeFreeSwitch fs in Switches.Values)
        {
            await fs.DisposeAsync();
        }
    }

    private void OnAudit(SupervisionAuditEvent entry)
    {
        lock (_audit)
        {
            _audit.Add(entry);
            foreach (var waiter in _waiters.Where(w => w.Match(entry)).ToList())
            {
                waiter.Signal.TrySetResult(entry);
                _waiters.Remove(waiter);
            }
        }
    }
}
