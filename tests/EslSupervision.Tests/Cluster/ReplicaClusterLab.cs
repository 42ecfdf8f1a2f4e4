using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Redis;
using EslSupervision.Redis.Tests;
using EslSupervision.Testing;
using EslSupervision.Tests.Control;
using EslSupervision.Tests.Permissions;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Several linked fake switches and several controller replicas over them: each replica is a whole
/// <see cref="SupervisionCluster"/> (its own Event Socket connections to every switch, its own Redis connection for
/// leases and single-use tokens), as separate processes would be. Every replica's audit is recorded with its id.
/// </summary>
internal sealed class ReplicaClusterLab : IAsyncDisposable
{
    public static readonly TimeSpan Patience = SupervisionHarness.Patience;

    private readonly List<(string Replica, SupervisionAuditEvent Entry)> _audit = [];
    private readonly List<(Func<string, SupervisionAuditEvent, bool> Match, TaskCompletionSource<(string, SupervisionAuditEvent)> Signal)> _waiters = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private Func<LeaseRecorder, ISupervisionTokenStore, ISupervisionTokenStore>? _tokenStore;

    private ReplicaClusterLab(IReadOnlyDictionary<string, FakeFreeSwitch> switches) => Switches = switches;

    public IReadOnlyDictionary<string, FakeFreeSwitch> Switches { get; }

    public Dictionary<string, Replica> Replicas { get; } = new(StringComparer.Ordinal);

    public LeaseRecorder Leases { get; } = new();

    /// <summary>The clock of token issue and expiry (apart from the controllers' and leases' real time).</summary>
    public FakeTimeProvider TokenTime { get; } = new(DateTimeOffset.UtcNow);

    public SupervisionTokenOptions TokenOptions { get; } = TokenKit.NewOptions();

    public SupervisionTokenIssuer Issuer => SupervisionTokenFactory.CreateIssuer(TokenOptions, TokenTime);

    public IReadOnlyList<(string Replica, SupervisionAuditEvent Entry)> AuditTrail
    {
        get
        {
            lock (_audit)
            {
                return [.. _audit];
            }
        }
    }

    /// <param name="tokenStore">Wraps each replica's Redis token store (to watch or hold up the spending of tokens), or <see langword="null"/>.</param>
    public static async Task<ReplicaClusterLab> StartAsync(RedisServer redis, string[] switchNames, string[] replicaIds, TimeSpan leaseTime, TimeSpan renewInterval, Func<LeaseRecorder, ISupervisionTokenStore, ISupervisionTokenStore>? tokenStore = null)
    {
        var switches = new Dictionary<string, FakeFreeSwitch>(StringComparer.OrdinalIgnoreCase);
        var lab = new ReplicaClusterLab(switches) { _tokenStore = tokenStore };
        foreach (string name in switchNames)
        {
            FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret", Hostname = "fs-" + name });
            lab._owned.Add(fs);
            foreach (var (ext, user) in new[] { ("1004", "Olivia"), ("1005", "Sam"), ("1010", "Benjamin"), ("1011", "Lena") })
            {
                fs.AddUser(new FakeUser(ext, "pbx.lab", user));
            }

            switches[name] = fs;
        }

        foreach (string from in switchNames)
        {
            foreach (string to in switchNames.Where(n => n != from))
            {
                switches[from].LinkPeer(switches[to], "to-" + to);
            }
        }

        var settings = new TestOptionsMonitor<SupervisionOptions>(SupervisionHarness.LabOptions());
        foreach (string id in replicaIds)
        {
            lab.Replicas[id] = await lab.StartReplicaAsync(redis, id, switchNames, settings, leaseTime, renewInterval);
        }

        return lab;
    }

    /// <summary>Connects to Redis as a replica that will never renew anything: a process that died right after taking a lease.</summary>
    public async Task<ISupervisionCoordinator> GhostCoordinatorAsync(RedisServer redis)
    {
        RedisCoordinationConnection connection = NewRedisConnection(redis);
        _owned.Insert(0, connection);
        Assert.True(await connection.ConnectAsync());
        return new RedisSupervisionCoordinator(connection);
    }

    /// <summary>Places a call on one switch and waits until every replica's registry knows the agent's bridged leg.</summary>
    public async Task<FakeCall> ClientCallsAsync(string switchName, string agentExtension)
    {
        FakeCall call = Switches[switchName].ClientCallsAgent("4915550001", "Client", "5551000", agentExtension, "pbx.lab");
        foreach (Replica replica in Replicas.Values)
        {
            await replica.KnowsAsync(r => r.FindActiveAgentLeg("pbx.lab", agentExtension) is not null);
        }

        return call;
    }

    public Task<(string Replica, SupervisionAuditEvent Entry)> WaitForAuditAsync(Func<string, SupervisionAuditEvent, bool> match)
    {
        lock (_audit)
        {
            foreach ((string replica, SupervisionAuditEvent entry) in _audit)
            {
                if (match(replica, entry))
                {
                    return Task.FromResult((replica, entry));
                }
            }

            var signal = new TaskCompletionSource<(string, SupervisionAuditEvent)>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, signal));
            return signal.Task.WaitAsync(Patience);
        }
    }

    public Task<(string Replica, SupervisionAuditEvent Entry)> WaitForAuditAsync(SupervisionAuditKind kind, string supervisorLeg)
        => WaitForAuditAsync((_, e) => e.Kind == kind && e.SupervisorLegId == supervisorLeg);

    public Task<FakeChannel> HungUpAsync(string switchName, string leg)
        => Switches[switchName].WaitForChannelAsync(c => c.Uuid == leg && c.IsHungUp).WaitAsync(Patience);

    /// <summary>Waits until a leg that arrived over a trunk runs eavesdrop on <paramref name="agentLeg"/>.</summary>
    public Task<FakeChannel> ArrivingLegAsync(string switchName, string agentLeg)
        => Switches[switchName].WaitForChannelAsync(c => c.TrunkPeerUuid is not null && c.CurrentApplication == "eavesdrop" && Switches[switchName].GetEavesdropTarget(c.Uuid) == agentLeg).WaitAsync(Patience);

    /// <summary>Every command any replica sent to a switch.</summary>
    public IReadOnlyList<string> CommandsTo(string switchName) => [.. Switches[switchName].Connections.SelectMany(c => c.ReceivedCommands)];

    /// <summary>How many times an application was started on a leg, by any replica.</summary>
    public int Executions(string switchName, string leg, string application)
        => CommandsTo(switchName).Count(c => c.StartsWith("sendmsg " + leg, StringComparison.OrdinalIgnoreCase) && c.Contains("execute-app-name: " + application, StringComparison.Ordinal));

    /// <summary>Kills a replica: its controllers stop (no events handled, no lease renewed); its leases run out.</summary>
    public async Task KillAsync(string replicaId)
    {
        Replica replica = Replicas[replicaId];
        await replica.Cluster.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Replica replica in Replicas.Values)
        {
            await replica.DisposeAsync();
        }

        foreach (IAsyncDisposable owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private static RedisCoordinationConnection NewRedisConnection(RedisServer redis) => new(new RedisCoordinationOptions
    {
        ConnectionString = redis.ConnectionString,
        KeyPrefix = "replicas",
        OperationTimeout = TimeSpan.FromMilliseconds(500),
        ConnectTimeout = TimeSpan.FromSeconds(1),
    });

    private async Task<Replica> StartReplicaAsync(RedisServer redis, string id, string[] switchNames, TestOptionsMonitor<SupervisionOptions> settings, TimeSpan leaseTime, TimeSpan renewInterval)
    {
        var clients = new Dictionary<string, EslInboundClient>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in switchNames)
        {
            var client = new EslInboundClient(new EslClientOptions
            {
                Host = "127.0.0.1",
                Port = Switches[name].Port,
                Password = "lab-secret",
                ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            });
            await client.ConnectAsync();
            clients[name] = client;
        }

        RedisCoordinationConnection redisConnection = NewRedisConnection(redis);
        Assert.True(await redisConnection.ConnectAsync());

        // Like separate processes: the same token key, and single use shared through Redis.
        var tokens = new RelayTokens(
            SupervisionTokenFactory.CreateIssuer(TokenOptions, TokenTime),
            SupervisionTokenFactory.CreateValidator(TokenOptions, WrapTokenStore(new RedisSupervisionTokenStore(redisConnection, TokenTime)), TokenTime));
        SupervisionCluster cluster = SupervisionCluster.Create(
            [.. switchNames.Select(n => new SupervisionCluster.SwitchEndpoint(n, clients[n], $"sofia/gateway/to-{n}/{{destination}}"))],
            new RingGroupPermissionProvider(settings),
            settings,
            tokens);
        cluster.UseCoordination(Leases.Wrap(new RedisSupervisionCoordinator(redisConnection)), new SupervisionCoordinationOptions
        {
            ReplicaId = id,
            LeaseTime = leaseTime,
            RenewInterval = renewInterval,
        });
        var replica = new Replica(id, cluster, clients, redisConnection);
        replica.AuditSubscription = cluster.Audit.Subscribe(e => OnAudit(id, e));
        await cluster.StartAsync().WaitAsync(Patience);
        return replica;
    }

    private ISupervisionTokenStore WrapTokenStore(ISupervisionTokenStore store) => _tokenStore is null ? store : _tokenStore(Leases, store);

    private void OnAudit(string replica, SupervisionAuditEvent entry)
    {
        lock (_audit)
        {
            _audit.Add((replica, entry));
            foreach (var waiter in _waiters.Where(w => w.Match(replica, entry)).ToList())
            {
                waiter.Signal.TrySetResult((replica, entry));
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>One controller process: a cluster over every switch with its own connections.</summary>
    internal sealed class Replica(string id, SupervisionCluster cluster, IReadOnlyDictionary<string, EslInboundClient> clients, RedisCoordinationConnection redis) : IAsyncDisposable
    {
        public string Id { get; } = id;

        public SupervisionCluster Cluster { get; } = cluster;

        public IDisposable? AuditSubscription { get; set; }

        /// <summary>Completes once this replica's registry satisfies <paramref name="condition"/>.</summary>
        public async Task KnowsAsync(Func<ICallRegistry, bool> condition)
        {
            ICallRegistry registry = Cluster.Registry;
            var known = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using IDisposable subscription = registry.Changes.Subscribe(_ =>
            {
                if (condition(registry))
                {
                    known.TrySetResult();
                }
            });
            if (condition(registry))
            {
                return;
            }

            await known.Task.WaitAsync(Patience);
        }

        public async ValueTask DisposeAsync()
        {
            await Cluster.DisposeAsync();
            AuditSubscription?.Dispose();
            foreach (EslInboundClient client in clients.Values)
            {
                await client.DisposeAsync();
            }

            await redis.DisposeAsync();
        }
    }
}
