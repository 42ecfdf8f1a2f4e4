using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using EslSupervision.Cluster;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using Microsoft.Extensions.Options;

namespace EslSupervision.Benchmarks;

/// <summary>
/// Decision latency in a cluster (issue 10): 3 switches, each behind a <see cref="SupervisionFakeConnection"/> with
/// 10,000 calls tracked (60,000 legs in the cluster's view), one background thread per switch pushing about 5,000
/// channel events/s into it, and a <see cref="SupervisionCluster"/> with a token key. Measured, one op at a time,
/// alternating: a <b>local</b> decision (the supervisor's <c>CHANNEL_PARK</c> on switch 0 for an agent on switch 0,
/// until <c>execute eavesdrop</c> is written) and a <b>cross-switch</b> decision (the park on switch 1 or 2 for an
/// agent on switch 0: authorize over the cluster's view, mint the token, until <c>execute bridge</c> with it is
/// written). A park without its command within 10 s counts as a lost decision.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project tests/EslSupervision.Benchmarks -- --cluster</c> (env <c>CLUSTER_OPS</c>, default
/// 10,000 per kind; <c>CLUSTER_INTAKE=reader</c> for the controllers' buffered readers instead of the inline intake). Prints <c>CLUSTER-LATENCY</c> lines; exit code 1 when a decision was lost.
/// </remarks>
internal static class ClusterLatencyBenchmark
{
    private const int Switches = 3;
    private const int CallsPerSwitch = 10_000;
    private const int BackgroundPool = 3000;
    private const int EventsPerMillisecond = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static int Run()
    {
        // Why a decision could be missing: events the controllers' own buffers dropped (each followed by a resync).
        long eventsLost = 0;
        long gapResyncs = 0;
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is "esl_supervision.events.lost" or "esl_supervision.registry.gap_resyncs")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "esl_supervision.events.lost")
            {
                Interlocked.Add(ref eventsLost, value);
            }
            else
            {
                Interlocked.Add(ref gapResyncs, value);
            }
        });
        meters.Start();

        int ops = int.TryParse(Environment.GetEnvironmentVariable("CLUSTER_OPS"), out int n) ? n : 10_000;

        // CLUSTER_INTAKE=reader: the controllers' buffered readers (before the inline intake); inline by default.
        bool inline = Environment.GetEnvironmentVariable("CLUSTER_INTAKE") != "reader";
        Console.WriteLine($"CLUSTER-LATENCY intake: {(inline ? "inline" : "reader")}");
        SupervisionWorkload workload = SupervisionWorkload.Load();
        var connections = new SupervisionFakeConnection[Switches];
        var gates = new object[Switches];
        for (int s = 0; s < Switches; s++)
        {
            connections[s] = inline ? new InlineSupervisionFakeConnection() : new SupervisionFakeConnection();
            gates[s] = new object();
        }

        var options = new StaticOptionsMonitor(SupervisionWorkload.Options());
        var tokenOptions = new SupervisionTokenOptions { TokenKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()) };
        var tokens = new RelayTokens(
            SupervisionTokenFactory.CreateIssuer(tokenOptions),
            SupervisionTokenFactory.CreateValidator(tokenOptions, new InMemorySupervisionTokenStore()));
        SupervisionCluster cluster = SupervisionCluster.Create(
            [.. Enumerable.Range(0, Switches).Select(s => new SupervisionCluster.SwitchEndpoint("fs-" + s, connections[s], $"sofia/gateway/esl_supervision_fs-{s}/{{destination}}"))],
            new RingGroupPermissionProvider(options),
            options,
            tokens);
        cluster.StartAsync().GetAwaiter().GetResult();

        for (int s = 0; s < Switches; s++)
        {
            for (int call = 0; call < CallsPerSwitch; call++)
            {
                foreach (byte[] frame in workload.CallSetup(call, s))
                {
                    connections[s].Push(EslEvent.FromPlain(frame));
                }

                // Paced: a burst faster than the controller reads overflows its buffer, and the resync that follows
                // asks this fake switch, which lists no channels, so calls already set up would vanish from the view.
                if (call % 500 == 499)
                {
                    var batch = Stopwatch.StartNew();
                    while (cluster.RegistryOf("fs-" + s).Count < (call + 1) * 2 && batch.Elapsed < TimeSpan.FromSeconds(10))
                    {
                        Thread.Sleep(1); // A console benchmark's set-up, not a test.
                    }
                }
            }
        }

        // The controllers read through their own buffers: wait until every switch's registry holds its calls.
        var settle = Stopwatch.StartNew();
        while (Enumerable.Range(0, Switches).Any(s => cluster.RegistryOf("fs-" + s).Count < CallsPerSwitch * 2) && settle.Elapsed < TimeSpan.FromMinutes(1))
        {
            Thread.Sleep(10); // A console benchmark's set-up, not a test: polling the count is fine here.
        }

        int agents = cluster.Registry.GetSnapshot().Legs.Count(l => l.Agent is not null && l.IsBridged);
        Console.WriteLine($"CLUSTER-LATENCY setup: {Switches} switches, {cluster.Registry.GetSnapshot().Legs.Count:N0} legs in the cluster's view, {agents:N0} agents on a call, {settle.ElapsedMilliseconds} ms to apply (events dropped: {Interlocked.Read(ref eventsLost)})");
        if (agents != Switches * CallsPerSwitch)
        {
            // Decisions against a partial view would be refused for missing agents and counted as lost: not a figure.
            Console.WriteLine("CLUSTER-LATENCY set-up incomplete: not measured");
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 1;
        }

        var background = new byte[Switches][][];
        var rng = new Random(7);
        for (int s = 0; s < Switches; s++)
        {
            background[s] = new byte[BackgroundPool][];
            for (int i = 0; i < BackgroundPool; i++)
            {
                background[s][i] = workload.Background(rng.Next(CallsPerSwitch), i, s);
            }
        }

        bool stop = false;
        long pushed = 0;
        var loaders = Enumerable.Range(0, Switches).Select(s => new Thread(() =>
        {
            // Paced by the clock, not by the sleep's granularity: 5 events per elapsed millisecond.
            int i = 0;
            var clock = Stopwatch.StartNew();
            while (!Volatile.Read(ref stop))
            {
                long due = (long)clock.Elapsed.TotalMilliseconds * EventsPerMillisecond;
                while (i < due)
                {
                    EslEvent e = EslEvent.FromPlain(background[s][i++ % BackgroundPool]);
                    lock (gates[s])
                    {
                        connections[s].Push(e);
                    }

                    Interlocked.Increment(ref pushed);
                }

                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "load fs-" + s }).ToArray();
        var loadClock = Stopwatch.StartNew();
        foreach (Thread t in loaders)
        {
            t.Start();
        }

        bool trace = Environment.GetEnvironmentVariable("CLUSTER_STALL_TRACE") == "1";
        long lost = 0;
        long stray = 0;
        int next = 0;
        long Op(int parkSwitch)
        {
            int k = next++;
            int call = SupervisionWorkload.CallOf(k, CallsPerSwitch);
            string leg = SupervisionWorkload.Uuid(k, 0xC0 + parkSwitch);
            EslEvent park = EslEvent.FromPlain(workload.Park(leg, call));
            SupervisionFakeConnection c = connections[parkSwitch];
            long start;
            lock (gates[parkSwitch])
            {
                start = Stopwatch.GetTimestamp();
                c.Push(park);
            }

            long at;
            while (true)
            {
                if (!c.Eavesdropped.Wait(Patience))
                {
                    lost++;
                    at = Stopwatch.GetTimestamp();
                    Console.WriteLine($"CLUSTER-LATENCY op {k} on fs-{parkSwitch}: no command within {Patience.TotalSeconds} s (lost so far {lost}; events dropped so far {Interlocked.Read(ref eventsLost)}, gap resyncs {Interlocked.Read(ref gapResyncs)})");
                    if (trace)
                    {
                        Trace(cluster, parkSwitch, leg, call, start, c);
                    }

                    break;
                }

                if (c.EavesdropAt.TryRemove(leg, out at))
                {
                    break;
                }

                stray++;
            }

            foreach (EslEvent gone in SupervisionWorkload.SupervisorGone(leg))
            {
                lock (gates[parkSwitch])
                {
                    c.Push(gone);
                }
            }

            return at - start;
        }

        for (int i = 0; i < Math.Max(1000, ops / 10); i++)
        {
            Op(i % Switches);
        }

        // A run that loses decisions stops early (each costs the 10 s patience) and says so.
        var local = new List<long>(ops);
        var cross = new List<long>(ops);
        for (int i = 0; i < ops && lost < 5; i++)
        {
            local.Add(Op(0));
            cross.Add(Op(1 + (i % 2)));
        }

        Volatile.Write(ref stop, true);
        foreach (Thread t in loaders)
        {
            t.Join();
        }

        double rate = pushed / loadClock.Elapsed.TotalSeconds / Switches;
        Print("local decision (CHANNEL_PARK -> execute eavesdrop)", [.. local]);
        Print("cross-switch decision (CHANNEL_PARK -> execute bridge with token)", [.. cross]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CLUSTER-LATENCY background: {rate:N0} events/s per switch; lost decisions: {lost}; commands for other legs: {stray}; active supervisions left: {cluster.ActiveSupervisions.Count}; events dropped by the controllers' buffers: {Interlocked.Read(ref eventsLost)}; gap resyncs: {Interlocked.Read(ref gapResyncs)}"));
        cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return lost == 0 ? 0 : 1;
    }

    /// <summary>
    /// Diagnostic (env <c>CLUSTER_STALL_TRACE=1</c>): for a decision that took longer than the patience, what each
    /// switch knows about the park leg and the supervisor's session, then how long until its command came.
    /// </summary>
    private static void Trace(SupervisionCluster cluster, int parkSwitch, string leg, int call, long start, SupervisionFakeConnection c)
    {
        static double Ms(long from) => Stopwatch.GetElapsedTime(from).TotalMilliseconds;
        for (int s = 0; s < Switches; s++)
        {
            string name = "fs-" + s;
            Calls.CallLeg? known = cluster.RegistryOf(name).GetLeg(leg);
            bool has = cluster.ControllerOf(name)!.TryFindSession(leg, out Control.SupervisionSession? session, runningOnly: false);
            Console.WriteLine($"STALL-TRACE {leg} (call {call}, agent {SupervisionWorkload.AgentExtension(call)}@{SupervisionWorkload.Tenant(call)}) on {name}: registry leg {(known is null ? "unknown" : known.State + " user=" + known.AuthenticatedUser + " bridgedTo=" + known.BridgedTo)}; session {(has ? $"running={session!.IsRunning} ended={session.IsEnded} relayed={session.IsRelayed} agentLeg={session.AgentLegId} agentSwitch={session.AgentSwitch} origin={session.OriginLegId}" : "none")}");
        }

        string agentLeg = cluster.Registry.FindActiveAgentLeg(SupervisionWorkload.Tenant(call), SupervisionWorkload.AgentExtension(call))?.UniqueId ?? "none";
        Console.WriteLine($"STALL-TRACE agent leg now {agentLeg} on {cluster.Directory.SwitchOf(agentLeg)}; {Ms(start):F0} ms since the park");
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (c.EavesdropAt.TryGetValue(leg, out long at))
            {
                Console.WriteLine($"STALL-TRACE command for {leg} written {Stopwatch.GetElapsedTime(start, at).TotalMilliseconds:F0} ms after the park");
                return;
            }

            Thread.Sleep(50); // Diagnostic polling in a console benchmark, not a test.
        }

        Console.WriteLine($"STALL-TRACE command for {leg} still not written after {Ms(start):F0} ms");
    }

    private static void Print(string what, long[] samples)
    {
        Array.Sort(samples);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CLUSTER-LATENCY {what}: n={samples.Length} p50={Us(samples, 0.50)} p90={Us(samples, 0.90)} p99={Us(samples, 0.99)} p99.9={Us(samples, 0.999)} max={Us(samples, 1.0)} (us)"));
    }

    private static string Us(long[] sorted, double q)
    {
        int index = Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1);
        return (sorted[Math.Max(0, index)] * 1_000_000.0 / Stopwatch.Frequency).ToString("F1", CultureInfo.InvariantCulture);
    }

    private sealed class StaticOptionsMonitor(SupervisionOptions value) : IOptionsMonitor<SupervisionOptions>
    {
        public SupervisionOptions CurrentValue => value;

        public SupervisionOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<SupervisionOptions, string?> listener) => null;
    }
}
