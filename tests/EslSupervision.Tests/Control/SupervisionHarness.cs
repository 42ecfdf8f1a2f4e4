using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Permissions;

namespace EslSupervision.Tests.Control;

/// <summary>
/// The whole product against the fake FreeSWITCH: an inbound client, the call registry, the ring-group
/// permission provider and the controller, with the seed's lab (pbx.lab: Olivia 1004, Sam 1005 agents,
/// Benjamin 1010 supervisor of their ring group; sales: Lena 1011 with supervisor Mia 1012).
/// </summary>
internal sealed class SupervisionHarness : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly List<SupervisionAuditEvent> _audit = [];
    private readonly List<(Func<SupervisionAuditEvent, bool> Match, TaskCompletionSource<SupervisionAuditEvent> Signal)> _waiters = [];
    private IDisposable? _auditSubscription;

    private readonly bool _ownsSwitch;

    private SupervisionHarness(FakeFreeSwitch fs, TestOptionsMonitor<SupervisionOptions> options, bool ownsSwitch = true)
    {
        Switch = fs;
        Options = options;
        _ownsSwitch = ownsSwitch;
    }

    /// <summary>A second controller (a restarted process) on a switch another harness owns.</summary>
    public static async Task<SupervisionHarness> AttachAsync(FakeFreeSwitch fs, TestOptionsMonitor<SupervisionOptions> options, Microsoft.Extensions.Logging.ILoggerFactory? logs = null)
    {
        var harness = new SupervisionHarness(fs, options, ownsSwitch: false);
        await harness.StartControllerAsync(new RingGroupPermissionProvider(options), null, logs: logs);
        return harness;
    }

    public FakeFreeSwitch Switch { get; }

    public TestOptionsMonitor<SupervisionOptions> Options { get; }

    public EslInboundClient Client { get; private set; } = null!;

    public CallRegistry Registry { get; private set; } = null!;

    public SupervisionController Controller { get; private set; } = null!;

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

    public static SupervisionOptions LabOptions() => new()
    {
        Tenants = { ["pbx.lab"] = new TenantOptions { Enabled = true }, ["other.lab"] = new TenantOptions { Enabled = true } },
        RingGroups =
        {
            new RingGroupOptions
            {
                Name = "support",
                Tenant = "pbx.lab",
                Members =
                {
                    new RingGroupMemberOptions { Extension = "1004" },
                    new RingGroupMemberOptions { Extension = "1005" },
                    new RingGroupMemberOptions { Extension = "1010", Supervisor = true },
                },
            },
            new RingGroupOptions
            {
                Name = "sales",
                Tenant = "pbx.lab",
                Members =
                {
                    new RingGroupMemberOptions { Extension = "1011" },
                    new RingGroupMemberOptions { Extension = "1012", Supervisor = true },
                },
            },
            new RingGroupOptions
            {
                Name = "other-support",
                Tenant = "other.lab",
                Members =
                {
                    new RingGroupMemberOptions { Extension = "1004" },
                    new RingGroupMemberOptions { Extension = "1010", Supervisor = true },
                },
            },
        },
    };

    /// <param name="controllerTime">The controller's own clock (leases, renewals); the system clock when null. <paramref name="time"/> is the authorizer's.</param>
    public static async Task<SupervisionHarness> StartAsync(SupervisionOptions? options = null, ISupervisionPermissionProvider? provider = null, TimeProvider? time = null, IEnumerable<ISupervisionAuditSink>? sinks = null, bool ringingPhones = false, TimeProvider? switchTime = null, Microsoft.Extensions.Logging.ILoggerFactory? logs = null, TimeProvider? controllerTime = null)
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret", TimeProvider = switchTime ?? TimeProvider.System });
        foreach (var (ext, name) in new[] { ("1004", "Olivia"), ("1005", "Sam"), ("1010", "Benjamin"), ("1011", "Lena"), ("1012", "Mia") })
        {
            // ringingPhones: an originate to a lab phone rings until the test answers it.
            fs.AddUser(new FakeUser(ext, "pbx.lab", name) { AutoAnswer = !ringingPhones });
        }

        var monitor = new TestOptionsMonitor<SupervisionOptions>(options ?? LabOptions());
        var harness = new SupervisionHarness(fs, monitor);
        await harness.StartControllerAsync(provider ?? new RingGroupPermissionProvider(monitor), time, sinks, logs, controllerTime);
        return harness;
    }

    private async Task StartControllerAsync(ISupervisionPermissionProvider provider, TimeProvider? time, IEnumerable<ISupervisionAuditSink>? sinks = null, Microsoft.Extensions.Logging.ILoggerFactory? logs = null, TimeProvider? controllerTime = null)
    {
        Client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = Switch.Port, Password = "lab-secret", ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) });
        await Client.ConnectAsync();
        Registry = new CallRegistry();
        var authorizer = new SupervisionAuthorizer(provider, Registry, Options, time);
        Controller = new SupervisionController(Client, Registry, authorizer, Options, controllerTime, loggerFactory: logs, auditSinks: sinks);
        _auditSubscription = Controller.Audit.Subscribe(OnAudit);
        await Controller.StartAsync().WaitAsync(Patience);
    }

    /// <summary>Places a call and waits until the registry knows the agent's leg is bridged.</summary>
    public async Task<FakeCall> CallAsync(Func<FakeFreeSwitch, FakeCall> place, string agentExtension)
    {
        Task bridged = Registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged && Registry.FindActiveAgentLeg("pbx.lab", agentExtension) is not null).ToTask();
        FakeCall call = place(Switch);
        await bridged.WaitAsync(Patience);
        Assert.NotNull(Registry.FindActiveAgentLeg("pbx.lab", agentExtension));
        return call;
    }

    /// <summary>Olivia (1004) talks to a client who called the support line.</summary>
    public Task<FakeCall> OliviaTalksToAClientAsync()
        => CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"), "1004");

    /// <summary>A user dials a service code; returns their leg once eavesdrop runs in the switch.</summary>
    public async Task<FakeChannel> SuperviseAsync(string extension, string dialed)
    {
        FakeChannel leg = Switch.DialParked(extension, "pbx.lab", dialed);
        await WaitForAuditAsync(SupervisionAuditKind.Started, leg.Uuid);
        await EavesdroppingAsync(leg.Uuid);
        return leg;
    }

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

    /// <summary>Waits until the supervisor's leg is running eavesdrop inside the fake switch.</summary>
    public Task<FakeChannel> EavesdroppingAsync(string supervisorLeg)
        => Switch.WaitForChannelAsync(c => c.Uuid == supervisorLeg && c.CurrentApplication == "eavesdrop").WaitAsync(Patience);

    /// <summary>Every command the switch received on any connection (to prove what did or did not reach the wire).</summary>
    public IReadOnlyList<string> AllCommands => [.. Switch.Connections.SelectMany(c => c.ReceivedCommands)];

    public Task<FakeChannel> HungUpAsync(string leg)
        => Switch.WaitForChannelAsync(c => c.Uuid == leg && c.IsHungUp).WaitAsync(Patience);

    public async ValueTask DisposeAsync()
    {
        await Controller.DisposeAsync();
        _auditSubscription?.Dispose();
        await Client.DisposeAsync();
        Registry.Dispose();
        if (_ownsSwitch)
        {
            await Switch.DisposeAsync();
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
