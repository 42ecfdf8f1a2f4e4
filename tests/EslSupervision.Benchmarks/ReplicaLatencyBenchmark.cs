using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Redis;
using Microsoft.Extensions.Options;

namespace EslSupervision.Benchmarks;

/// <summary>
/// Decision latency with controller replicas (issue 11): 2 replicas (2 <see cref="SupervisionCluster"/>s in this
/// process, each with its own connection to each switch, its own Redis connection, coordinator and token store, as
/// two deployed processes would have) against 3 switches (<see cref="SupervisionFakeConnection"/>s: every event of a
/// switch goes to both replicas' connections) with <c>REPLICA_CALLS</c> calls each and about 5,000 background channel
/// events/s per switch, over one real redis-server on loopback. Measured one at a time, alternating: a <b>local</b>
/// decision (the supervisor's <c>CHANNEL_PARK</c> on fs-0 for an agent on fs-0, until either replica writes
/// <c>execute eavesdrop</c>) and a whole <b>cross-switch</b> decision (the park on fs-1 or fs-2 for an agent on fs-0,
/// the <c>bridge</c> with a token, the leg arriving on fs-0, until its <c>execute eavesdrop</c>), leases included.
/// Checked: no lost decision, exactly one decisive command per leg and one <c>Requested</c> and one <c>Started</c>
/// audit per park across the replicas, no lease granted twice. Counted: Redis round trips per decision, by the
/// replicas' calls and by Redis's own <c>INFO commandstats</c>.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project tests/EslSupervision.Benchmarks -- --replicas</c> (env <c>REPLICA_OPS</c>,
/// default 3,000 measured decisions of each kind; <c>REPLICA_CALLS</c>, default 10,000 calls per switch; <c>REPLICA_RATE</c>,
/// default 5 background events per millisecond per switch; <c>REPLICA_INTAKE=reader</c> for the controllers' buffered
/// readers instead of the inline intake). Needs Debian's
/// redis-server and redis-cli. Prints <c>REPLICA-LATENCY</c> lines; exit code 1 when a check failed.
/// </remarks>
internal static class ReplicaLatencyBenchmark
{
    private const int Switches = 3;
    private const int Replicas = 2;
    private const int BackgroundPool = 3000;
    private const int DefaultEventsPerMillisecond = 5;
    private const int SteadyJitMethods = 10;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxJitWarmUp = TimeSpan.FromSeconds(90);
    private static readonly string[] ReplicaIds = ["replica-a", "replica-b"];

    public static async Task<int> RunAsync()
    {
        int port = RedisLeaseBenchmark.FreePort();
        using Process redis = RedisLeaseBenchmark.StartRedis(port);
        try
        {
            return await MeasureAsync(port);
        }
        finally
        {
            redis.Kill(entireProcessTree: true);
            await redis.WaitForExitAsync();
        }
    }

    private static async Task<int> MeasureAsync(int port)
    {
        int ops = Env("REPLICA_OPS", 3_000);
        int calls = Env("REPLICA_CALLS", 10_000);
        using var drops = new DropCounter();
        SupervisionWorkload workload = SupervisionWorkload.Load();
        // REPLICA_INTAKE=reader: the controllers' buffered readers; inline by default, as the library's own
        // connections deliver to the controller (on each connection's read loop, here the pushing thread).
        bool inline = Environment.GetEnvironmentVariable("REPLICA_INTAKE") != "reader";
        Console.WriteLine($"REPLICA-LATENCY intake: {(inline ? "inline" : "reader")}");

        // The gen0 budget decides how often a decision meets a collection. .NET sizes it from the CPU's last-level
        // cache; a VM that shows no cache topology gets a small fallback budget (dotnet/runtime#83964).
        Console.WriteLine($"REPLICA-LATENCY runtime: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, latency mode {System.Runtime.GCSettings.LatencyMode}, DOTNET_GCgen0size={Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "(unset)"}, CPU cache topology visible to the runtime: {Directory.Exists("/sys/devices/system/cpu/cpu0/cache")}");
        ReplicatedSwitch[] switches = [.. Enumerable.Range(0, Switches).Select(s => new ReplicatedSwitch("fs-" + s, inline))];
        var ledger = new LeaseLedger();
        var audit = new ConcurrentDictionary<(string Leg, SupervisionAuditKind Kind), int>();
        var options = new StaticOptionsMonitor(SupervisionWorkload.Options());

        // The token key is the deployment's (both replicas must accept each other's tokens).
        var tokenOptions = new SupervisionTokenOptions { TokenKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()) };
        var redisConnections = new List<RedisCoordinationConnection>();
        var clusters = new SupervisionCluster[Replicas];
        var subscriptions = new List<IDisposable>();
        for (int r = 0; r < Replicas; r++)
        {
            var connection = new RedisCoordinationConnection(new RedisCoordinationOptions { ConnectionString = $"127.0.0.1:{port}", KeyPrefix = "bench" });
            redisConnections.Add(connection);
            if (!await connection.ConnectAsync())
            {
                Console.WriteLine("REPLICA-LATENCY redis-server did not accept connections");
                return 1;
            }

            ISupervisionCoordinator coordinator = ledger.Wrap(new RedisSupervisionCoordinator(connection));
            ISupervisionTokenStore store = ledger.Wrap(new RedisSupervisionTokenStore(connection));
            var tokens = new RelayTokens(SupervisionTokenFactory.CreateIssuer(tokenOptions), SupervisionTokenFactory.CreateValidator(tokenOptions, store));
            int replica = r;
            clusters[r] = SupervisionCluster.Create(
                [.. switches.Select((sw, s) => new SupervisionCluster.SwitchEndpoint(sw.Name, sw.Connections[replica], $"sofia/gateway/esl_supervision_fs-{s}/{{destination}}"))],
                new RingGroupPermissionProvider(options),
                options,
                tokens);
            clusters[r].UseCoordination(coordinator, new SupervisionCoordinationOptions { ReplicaId = ReplicaIds[r] });

            subscriptions.Add(clusters[r].Audit.Subscribe(e => audit.AddOrUpdate((e.SupervisorLegId, e.Kind), 1, (_, n) => n + 1)));
            await clusters[r].StartAsync();
        }

        try
        {
            if (!SetUp(workload, switches, clusters, calls, drops))
            {
                return 1;
            }

            int perMillisecond = Env("REPLICA_RATE", DefaultEventsPerMillisecond);
            using var load = new BackgroundLoad(workload, switches, calls, perMillisecond);
            long lost = 0;
            long unsettled = 0;
            var measured = new List<string>();
            int next = 0;

            // A measured phase's parks are written before it starts: rewriting a captured park costs ~8 KB of
            // strings, which in the measured window would be the harness's garbage, collected on the replicas' time.
            var prepared = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            long unprepared = 0;
            byte[] ParkFrame(string leg, int call)
            {
                if (prepared.Remove(leg, out byte[]? frame))
                {
                    return frame;
                }

                unprepared++;
                return workload.Park(leg, call);
            }

            void Prepare(int count, Func<int, string> legOf)
            {
                prepared.Clear();
                unprepared = 0;
                for (int k = next; k < next + count; k++)
                {
                    prepared[legOf(k)] = workload.Park(legOf(k), SupervisionWorkload.CallOf(k, calls));
                }
            }

            // One decision: the park goes to both replicas; the first decisive command written (by either) ends it.
            long Local()
            {
                int k = next++;
                int call = SupervisionWorkload.CallOf(k, calls);
                string leg = SupervisionWorkload.Uuid(k, 0xD00);
                ReplicatedSwitch sw = switches[0];
                long start = sw.Push(ParkFrame(leg, call));
                long? at = sw.WaitDecision(leg, Patience);
                if (at is null)
                {
                    lost++;
                    Console.WriteLine($"REPLICA-LATENCY op {k}: no command within {Patience.TotalSeconds} s (lost so far {lost}; events dropped {drops.EventsLost}, gap resyncs {drops.GapResyncs})");
                }

                // Both replicas must have had their answer before the call ends, or the slower one could take the
                // lease the winner has just released and act on a leg that is gone.
                if (!WaitAnswered(ledger, LeaseLedger.Leg(sw.Name, leg), Replicas))
                {
                    unsettled++;
                }

                sw.Push(() => SupervisionWorkload.SupervisorGone(leg));
                measured.Add(leg);
                return (at ?? Stopwatch.GetTimestamp()) - start;
            }

            // A cross-switch decision, whole: the park on fs-1 or fs-2 for an agent on fs-0, the bridge with a token
            // written there by either replica, the leg arriving on fs-0 (parked by the peer dialplan, to both
            // replicas), until the eavesdrop is written on fs-0. The trunk itself costs nothing here.
            (long Bridge, long Arrival, long Whole) Cross(int parkSwitch)
            {
                int k = next++;
                int call = SupervisionWorkload.CallOf(k, calls);
                string leg = SupervisionWorkload.Uuid(k, 0xD00 + parkSwitch);
                string arriving = SupervisionWorkload.Uuid(k, 0xE00);
                ReplicatedSwitch origin = switches[parkSwitch];
                ReplicatedSwitch target = switches[0];
                long start = origin.Push(ParkFrame(leg, call));
                long? bridged = origin.WaitDecision(leg, Patience);
                long? at = null;
                long arrived = 0;
                if (bridged is not null && origin.Decisions[leg].Arguments is { } dial && dial.LastIndexOf('/') is int slash and >= 0)
                {
                    arrived = target.Push(() => [ArrivalPark(arriving, dial[(slash + 1)..])]);
                    at = target.WaitDecision(arriving, Patience);
                }

                if (at is null)
                {
                    lost++;
                    Console.WriteLine($"REPLICA-LATENCY cross op {k} on {origin.Name}: {(bridged is null ? "no bridge" : "no eavesdrop on fs-0")} within {Patience.TotalSeconds} s (lost so far {lost}; events dropped {drops.EventsLost}, gap resyncs {drops.GapResyncs})");
                }

                // Every replica has answered: for the origin leg's park (both), for the arrival (the one that does
                // not relay the leg asks under the origin leg), and the arriving leg's own lease (the winner).
                string originKey = LeaseLedger.Leg(origin.Name, leg);
                if (!WaitAnswered(ledger, originKey, Replicas + 1) || (at is not null && !WaitAnswered(ledger, LeaseLedger.Leg(target.Name, arriving), 1)))
                {
                    unsettled++;
                }

                origin.Push(() => SupervisionWorkload.SupervisorGone(leg));
                target.Push(() => SupervisionWorkload.SupervisorGone(arriving));
                measured.Add(leg);
                long end = Stopwatch.GetTimestamp();
                return ((bridged ?? end) - start, (at ?? end) - (arrived == 0 ? end : arrived), (at ?? end) - start);
            }

            // A controller whose buffer overflowed resyncs against this fake switch, which lists no channels: its
            // registry is empty from then on and every decision would be lost. Stop and say so instead.
            bool Broken() => lost >= 3 || drops.GapResyncs > 0;
            for (int i = 0; i < Math.Max(500, ops / 10) && !Broken(); i++)
            {
                Local();
                Cross(1 + (i % 2));
            }

            // Then until the JIT is done: tiered compilation keeps recompiling the hot paths (instrumented, then
            // optimised) for tens of seconds, on a core the decisions need. A process that runs for days measures
            // its steady state, so this one waits for it: rounds of 200 pairs until one compiles almost nothing.
            var warming = Stopwatch.StartNew();
            long compiled = long.MaxValue;
            while (compiled > SteadyJitMethods && warming.Elapsed < MaxJitWarmUp && !Broken())
            {
                long jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
                for (int i = 0; i < 200 && !Broken(); i++)
                {
                    Local();
                    Cross(1 + (i % 2));
                }

                compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;
            }

            Console.WriteLine($"REPLICA-LATENCY warm-up until the JIT settled: {warming.Elapsed.TotalSeconds:F0} s more, the last 200 pairs compiled {compiled} methods");

            measured.Clear();

            // One kind at a time, so that Redis's counters can be divided by that kind's decisions.
            Phase Measure(string kind, Func<int, long> op, Func<int, int, string> legOf)
            {
                int first = next;
                Prepare(ops, k => legOf(k, k - first));
                WaitReleased(ledger);
                _ = ledger.TakeTicks();
                LeaseCounts before = LeaseCounts.Of(ledger);
                Dictionary<string, long> statsBefore = CommandStats(port);
                RunCounters started = RunCounters.Now(load);
                var samples = new long[ops];
                int n = 0;
                for (; n < ops && !Broken(); n++)
                {
                    samples[n] = op(n);
                }

                RunCounters ended = RunCounters.Now(load);
                if (unprepared > 0)
                {
                    Console.WriteLine($"REPLICA-LATENCY harness: {unprepared} parks of '{kind}' were written inside the measured window (not prepared ahead)");
                }

                WaitReleased(ledger);
                Dictionary<string, long> statsAfter = CommandStats(port);
                (long[] acquire, long[] fence) = ledger.TakeTicks();
                return new Phase(kind, samples[..n], LeaseCounts.Of(ledger) - before, statsBefore, statsAfter, acquire, fence, ended - started);
            }

            var bridge = new long[ops];
            var arrival = new long[ops];
            Phase local = Measure("local decision (CHANNEL_PARK -> execute eavesdrop)", _ => Local(), (k, _) => SupervisionWorkload.Uuid(k, 0xD00));
            Phase cross = Measure("cross-switch, both decisions and the hand-off between them (CHANNEL_PARK on fs-1/2 -> bridge -> arrival on fs-0 -> execute eavesdrop)", i =>
            {
                (long b, long a, long whole) = Cross(1 + (i % 2));
                bridge[i] = b;
                arrival[i] = a;
                return whole;
            }, (k, i) => SupervisionWorkload.Uuid(k, 0xD00 + 1 + (i % 2)));
            double rate = load.Stop();

            foreach (Phase phase in new[] { local, cross })
            {
                Print(phase.Kind + ", 2 replicas, leases included", phase.Samples);
                if (phase == cross)
                {
                    Print("  origin decision (CHANNEL_PARK on fs-1/2 -> execute bridge with token)", bridge[..phase.Samples.Length]);
                    Print("  arrival decision (the arriving leg's CHANNEL_PARK on fs-0 -> execute eavesdrop)", arrival[..phase.Samples.Length]);
                }

                Console.WriteLine(phase.Counters.Describe(Switches));

                Print("  lease acquisitions as awaited by a replica (all of them)", phase.AcquireTicks);
                Print("  fence checks as awaited by the winner", phase.FenceTicks);
                ReportRoundTrips(phase.Used, phase.StatsBefore, phase.StatsAfter, phase.Samples.Length);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"REPLICA-LATENCY background: {rate:N0} events/s per switch (to each of {Replicas} replicas); lost decisions: {lost}; parks not answered by every replica within {Patience.TotalSeconds} s: {unsettled}; events dropped by the controllers' buffers: {drops.EventsLost}; gap resyncs: {drops.GapResyncs}"));
            if (drops.GapResyncs > 0)
            {
                Console.WriteLine("REPLICA-LATENCY a controller's event buffer overflowed (the machine did not give the replicas enough CPU): the run is not a figure");
            }

            int failures = CheckOnce(switches, measured, audit, ledger);
            Console.WriteLine($"REPLICA-LATENCY load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
            int done = Math.Min(local.Samples.Length, cross.Samples.Length);
            return lost == 0 && unsettled == 0 && failures == 0 && drops.GapResyncs == 0 && done == ops ? 0 : 1;
        }
        finally
        {
            foreach (IDisposable s in subscriptions)
            {
                s.Dispose();
            }

            foreach (SupervisionCluster cluster in clusters)
            {
                await cluster.DisposeAsync();
            }

            foreach (RedisCoordinationConnection connection in redisConnections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The supervisor's leg as it arrives on the agent's switch over the peer trunk: no digest user, parked by the
    /// shipped peer dialplan with the token as destination and <c>esl_supervision_peer=true</c> after its ACL check.
    /// </summary>
    private static EslEvent ArrivalPark(string leg, string token) => EslEvent.Create(
    [
        new("Event-Name", "CHANNEL_PARK"),
        new("Unique-ID", leg),
        new("Call-Direction", "inbound"),
        new("Channel-State", "CS_EXECUTE"),
        new("Channel-Call-State", "ACTIVE"),
        new("Answer-State", "answered"),
        new("Channel-Name", "sofia/trunk/" + token),
        new("Caller-Destination-Number", token),
        new("variable_esl_supervision_peer", "true"),
    ]);

    /// <summary>Puts the calls on every switch, paced so that neither replica's event buffer overflows.</summary>
    private static bool SetUp(SupervisionWorkload workload, ReplicatedSwitch[] switches, SupervisionCluster[] clusters, int calls, DropCounter drops)
    {
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < Switches; s++)
        {
            for (int call = 0; call < calls; call++)
            {
                foreach (byte[] frame in workload.CallSetup(call, s))
                {
                    switches[s].Push(frame);
                }

                if (call % 50 == 49)
                {
                    // A burst faster than a controller reads overflows its buffer, and the resync against this fake
                    // (which lists no channels) would empty its registry.
                    WaitFor(() => clusters.All(c => c.RegistryOf(switches[s].Name).Count >= (call + 1) * 2), TimeSpan.FromSeconds(10));
                }
            }
        }

        // Until the last call's bridge is applied too (its legs are counted before they are bridged).
        int[] AgentsOnACall() => [.. clusters.Select(c => c.Registry.GetSnapshot().Legs.Count(l => l.Agent is not null && l.IsBridged))];
        WaitFor(() => AgentsOnACall().All(a => a == Switches * calls), TimeSpan.FromMinutes(1));
        int[] agents = AgentsOnACall();
        Console.WriteLine($"REPLICA-LATENCY setup: {Replicas} replicas x {Switches} switches, {calls:N0} calls per switch, agents on a call per replica: {string.Join(", ", agents.Select(a => a.ToString("N0", CultureInfo.InvariantCulture)))}; {clock.ElapsedMilliseconds} ms (events dropped: {drops.EventsLost})");
        if (agents.Any(a => a != Switches * calls))
        {
            // Decisions against a partial view would be refused for missing agents and counted as lost: not a figure.
            Console.WriteLine("REPLICA-LATENCY set-up incomplete: not measured");
            return false;
        }

        return true;
    }

    /// <summary>Exactly one action per park across the replicas: one eavesdrop, one Started audit, one lease grant.</summary>
    private static int CheckOnce(ReplicatedSwitch[] switches, List<string> legs, ConcurrentDictionary<(string Leg, SupervisionAuditKind Kind), int> audit, LeaseLedger ledger)
    {
        // Audit entries are delivered on their own loop: give the last ones a moment to land.
        WaitFor(() => legs.All(l => audit.ContainsKey((l, SupervisionAuditKind.Ended))), TimeSpan.FromSeconds(5));
        int doubleActions = switches.Sum(sw => sw.Decisions.Values.Count(d => d.Count > 1));
        int[] wins = new int[Replicas];
        foreach (ReplicatedSwitch sw in switches)
        {
            foreach (Decision d in sw.Decisions.Values)
            {
                wins[d.Replica]++;
            }
        }

        int started = legs.Count(l => audit.TryGetValue((l, SupervisionAuditKind.Started), out int n) && n == 1);
        int requested = legs.Count(l => audit.TryGetValue((l, SupervisionAuditKind.Requested), out int n) && n == 1);
        int grantedTwice = ledger.GrantedTwice.Count();
        Console.WriteLine($"REPLICA-LATENCY exactly once: legs with more than one decisive command (double actions): {doubleActions}; measured parks with exactly one Requested audit: {requested}/{legs.Count}, exactly one Started audit: {started}/{legs.Count}; legs whose lease was granted twice: {grantedTwice}; decisive commands written per replica: {string.Join(", ", wins.Select((w, r) => $"{ReplicaIds[r]} {w}"))}");
        return doubleActions + grantedTwice + (legs.Count - started) + (legs.Count - requested);
    }

    /// <summary>Round trips per decision as the replicas made them, and every command Redis ran, per decision.</summary>
    private static void ReportRoundTrips(LeaseCounts used, Dictionary<string, long> before, Dictionary<string, long> after, int decisions)
    {
        double Per(long n) => (double)n / decisions;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"REPLICA-LATENCY   round trips per decision (replicas' calls, both replicas): acquire {Per(used.Acquires):F2} (granted {Per(used.Grants):F2}), fence check {Per(used.FenceChecks):F2}, release {Per(used.Releases):F2}, renew {Per(used.Renewals):F2}, holder {Per(used.Holders):F2}, list {Per(used.Lists):F2}, token consume {Per(used.TokenConsumes):F2}; total {Per(used.Total):F2}"));
        var lines = after
            .Select(p => (Command: p.Key, Calls: p.Value - before.GetValueOrDefault(p.Key)))
            .Where(p => p.Calls > 0 && p.Command != "info")
            .OrderByDescending(p => p.Calls)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Command} {Per(p.Calls):F2}"));
        Console.WriteLine($"REPLICA-LATENCY   Redis INFO commandstats per decision (commands inside scripts included, INFO itself excluded): {string.Join(", ", lines)}");
    }

    /// <summary><c>INFO commandstats</c> through redis-cli: calls per command.</summary>
    private static Dictionary<string, long> CommandStats(int port)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "INFO", "commandstats" })
        {
            info.ArgumentList.Add(arg);
        }

        using Process cli = Process.Start(info)!;
        string text = cli.StandardOutput.ReadToEnd();
        cli.WaitForExit();
        var stats = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            // cmdstat_evalsha:calls=123,usec=...,usec_per_call=...
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal) && line.IndexOf(":calls=", StringComparison.Ordinal) is int colon and > 0)
            {
                int end = line.IndexOf(',', colon);
                stats[line["cmdstat_".Length..colon]] = long.Parse(line[(colon + ":calls=".Length)..end], CultureInfo.InvariantCulture);
            }
        }

        return stats;
    }

    private static bool WaitAnswered(LeaseLedger ledger, string leg, int replicas)
    {
        var clock = Stopwatch.StartNew();
        while (ledger.AnsweredFor(leg) < replicas)
        {
            TimeSpan left = Patience - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            ledger.Answered.Wait(left);
        }

        return true;
    }

    /// <summary>Every lease granted so far released: the round trips of a batch of decisions are all in.</summary>
    private static void WaitReleased(LeaseLedger ledger) => WaitFor(() => ledger.Releases >= ledger.Grants, TimeSpan.FromSeconds(10));

    private static void WaitFor(Func<bool> condition, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < patience)
        {
            Thread.Sleep(5); // A console benchmark's set-up and tear-down, not a test: polling is fine here.
        }
    }

    private static void Print(string what, long[] samples)
    {
        if (samples.Length == 0)
        {
            Console.WriteLine($"REPLICA-LATENCY {what}: no samples");
            return;
        }

        Array.Sort(samples);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"REPLICA-LATENCY {what}: n={samples.Length} p50={Us(samples, 0.50)} p90={Us(samples, 0.90)} p99={Us(samples, 0.99)} p99.9={Us(samples, 0.999)} max={Us(samples, 1.0)} (us)"));
    }

    private static string Us(long[] sorted, double q)
    {
        int index = Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1);
        return (sorted[Math.Max(0, index)] * 1_000_000.0 / Stopwatch.Frequency).ToString("F1", CultureInfo.InvariantCulture);
    }

    private static int Env(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : fallback;

    /// <summary>The first decisive command written for a leg (by whichever replica), and how many were written.</summary>
    private sealed class Decision(long at, int replica, string application, string? arguments)
    {
        public long At { get; } = at;

        public int Replica { get; } = replica;

        public string Application { get; } = application;

        public string? Arguments { get; } = arguments;

        public int Count;
    }

    /// <summary>One switch as both replicas see it: one connection per replica, every event pushed to each.</summary>
    private sealed class ReplicatedSwitch
    {
        private readonly Lock _gate = new();

        public ReplicatedSwitch(string name, bool inline)
        {
            Name = name;
            Connections = [.. Enumerable.Range(0, Replicas).Select(r => inline
                ? new InlineSupervisionFakeConnection { Decisive = (leg, app, args, at) => OnDecisive(r, leg, app, args, at) }
                : new SupervisionFakeConnection { Decisive = (leg, app, args, at) => OnDecisive(r, leg, app, args, at) })];
        }

        public string Name { get; }

        public SupervisionFakeConnection[] Connections { get; }

        public ConcurrentDictionary<string, Decision> Decisions { get; } = new(StringComparer.Ordinal);

        public SemaphoreSlim Decided { get; } = new(0);

        /// <summary>Pushes a frame to every replica (each its own parsed event, as from its own socket); returns when the first push began.</summary>
        public long Push(byte[] frame)
        {
            EslEvent[] copies = [.. Connections.Select(_ => EslEvent.FromPlain(frame))];
            return Push(copies);
        }

        /// <summary>Pushes events made by <paramref name="make"/> to every replica, each replica its own instances, in order; returns when the first push began.</summary>
        public long Push(Func<IEnumerable<EslEvent>> make)
        {
            EslEvent[][] copies = [.. Connections.Select(_ => make().ToArray())];
            long first = 0;
            for (int i = 0; i < copies[0].Length; i++)
            {
                long at = Push([.. copies.Select(c => c[i])]);
                first = i == 0 ? at : first;
            }

            return first;
        }

        public long Push(EslEvent[] perReplica)
        {
            lock (_gate)
            {
                long start = Stopwatch.GetTimestamp();
                for (int r = 0; r < Connections.Length; r++)
                {
                    Connections[r].Push(perReplica[r]);
                }

                return start;
            }
        }

        public long? WaitDecision(string leg, TimeSpan patience)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (Decisions.TryGetValue(leg, out Decision? d))
                {
                    return d.At;
                }

                TimeSpan left = patience - clock.Elapsed;
                if (left <= TimeSpan.Zero || !Decided.Wait(left))
                {
                    return null;
                }
            }
        }

        private void OnDecisive(int replica, string leg, string application, string? arguments, long at)
        {
            Decision d = Decisions.GetOrAdd(leg, _ => new Decision(at, replica, application, arguments));
            Interlocked.Increment(ref d.Count);
            Decided.Release();
        }
    }

    /// <summary>One thread per switch pushing about 5,000 channel events/s (<c>REPLICA_RATE</c> per ms) to both replicas, paced by the clock.</summary>
    private sealed class BackgroundLoad : IDisposable
    {
        private readonly Thread[] _threads;
        private readonly Stopwatch _clock = new();
        private long _pushed;
        private bool _stop;

        public BackgroundLoad(SupervisionWorkload workload, ReplicatedSwitch[] switches, int calls, int eventsPerMillisecond)
        {
            var rng = new Random(7);
            byte[][][] pool = [.. switches.Select((_, s) => Enumerable.Range(0, BackgroundPool).Select(i => workload.Background(rng.Next(calls), i, s)).ToArray())];
            _threads = [.. switches.Select((sw, s) => new Thread(() =>
            {
                int i = 0;
                var clock = Stopwatch.StartNew();
                while (!Volatile.Read(ref _stop))
                {
                    long due = (long)clock.Elapsed.TotalMilliseconds * eventsPerMillisecond;
                    while (i < due)
                    {
                        sw.Push(pool[s][i++ % BackgroundPool]);
                        Interlocked.Increment(ref _pushed);
                    }

                    Thread.Sleep(1);
                }
            })
            { IsBackground = true, Name = "load " + sw.Name })];
            // The rate is measured from here: building the pool above is not time the load ran.
            _clock.Start();
            foreach (Thread t in _threads)
            {
                t.Start();
            }
        }

        /// <summary>Events pushed so far, all switches together.</summary>
        public long Pushed => Interlocked.Read(ref _pushed);

        /// <summary>Stops the load; the rate it held, per switch.</summary>
        public double Stop()
        {
            Volatile.Write(ref _stop, true);
            foreach (Thread t in _threads)
            {
                t.Join();
            }

            return Interlocked.Read(ref _pushed) / _clock.Elapsed.TotalSeconds / _threads.Length;
        }

        public void Dispose() => Stop();
    }

    /// <summary>Events the controllers' own buffers dropped (each followed by a resync): why a decision could be missing.</summary>
    private sealed class DropCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _eventsLost;
        private long _gapResyncs;

        public DropCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name is "esl_supervision.events.lost" or "esl_supervision.registry.gap_resyncs")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
                Interlocked.Add(ref instrument.Name == "esl_supervision.events.lost" ? ref _eventsLost : ref _gapResyncs, value));
            _listener.Start();
        }

        public long EventsLost => Interlocked.Read(ref _eventsLost);

        public long GapResyncs => Interlocked.Read(ref _gapResyncs);

        public void Dispose() => _listener.Dispose();
    }

    private sealed record Phase(string Kind, long[] Samples, LeaseCounts Used, Dictionary<string, long> StatsBefore, Dictionary<string, long> StatsAfter, long[] AcquireTicks, long[] FenceTicks, RunCounters Counters);

    /// <summary>What the process did during one phase: the background it held, its CPU and its collections.</summary>
    private readonly record struct RunCounters(long Pushed, long Ticks, TimeSpan Cpu, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long Allocated, TimeSpan Jit, long JitMethods)
    {
        public static RunCounters Now(BackgroundLoad load) => new(
            load.Pushed, Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime,
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(),
            System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());

        public static RunCounters operator -(RunCounters a, RunCounters b)
            => new(a.Pushed - b.Pushed, a.Ticks - b.Ticks, a.Cpu - b.Cpu, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.GcPause - b.GcPause, a.Allocated - b.Allocated, a.Jit - b.Jit, a.JitMethods - b.JitMethods);

        public string Describe(int switches)
        {
            double seconds = (double)Ticks / Stopwatch.Frequency;
            int collections = Gen0 + Gen1 + Gen2;
            return string.Create(CultureInfo.InvariantCulture,
                $"REPLICA-LATENCY   during this phase: background {Pushed / seconds / switches:N0} events/s per switch, process CPU {Cpu.TotalSeconds / seconds:F2} cores of 2, allocated {Allocated / seconds / 1e6:F0} MB/s ({(Pushed == 0 ? 0 : Allocated / Pushed):N0} B per background event pushed, all of the process's allocation included), collections gen0/1/2 {Gen0}/{Gen1}/{Gen2} (one per {(collections == 0 ? 0 : Allocated / collections / 1e6):F1} MB allocated), GC pauses {GcPause.TotalMilliseconds:F0} ms in all ({100 * GcPause.TotalSeconds / seconds:F1} % of the time, {(collections == 0 ? 0 : GcPause.TotalMilliseconds / collections):F2} ms per collection), JIT {JitMethods:N0} methods compiled in {Jit.TotalMilliseconds:F0} ms");
        }
    }

    private readonly record struct LeaseCounts(long Acquires, long Grants, long FenceChecks, long Releases, long Renewals, long Holders, long Lists, long TokenConsumes)
    {
        public long Total => Acquires + FenceChecks + Releases + Renewals + Holders + Lists + TokenConsumes;

        public static LeaseCounts Of(LeaseLedger l) => new(l.Acquires, l.Grants, l.FenceChecks, l.Releases, l.Renewals, l.Holders, l.Lists, l.TokenConsumes);

        public static LeaseCounts operator -(LeaseCounts a, LeaseCounts b)
            => new(a.Acquires - b.Acquires, a.Grants - b.Grants, a.FenceChecks - b.FenceChecks, a.Releases - b.Releases, a.Renewals - b.Renewals, a.Holders - b.Holders, a.Lists - b.Lists, a.TokenConsumes - b.TokenConsumes);
    }

    private sealed class StaticOptionsMonitor(SupervisionOptions value) : IOptionsMonitor<SupervisionOptions>
    {
        public SupervisionOptions CurrentValue => value;

        public SupervisionOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<SupervisionOptions, string?> listener) => null;
    }
}
