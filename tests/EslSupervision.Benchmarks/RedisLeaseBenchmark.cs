using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EslSupervision.Cluster;
using EslSupervision.Redis;

namespace EslSupervision.Benchmarks;

/// <summary>
/// What a lease adds to a service-code decision with replicas: TryAcquire + IsCurrent (the fence check before the
/// eavesdrop), 2 Redis round trips, measured against a redis-server of its own on a free loopback port.
/// Run: <c>dotnet run -c Release --project tests/EslSupervision.Benchmarks -- --redis-lease</c> (needs Debian's redis-server).
/// </summary>
internal static class RedisLeaseBenchmark
{
    private const int Warmup = 2_000;
    private const int Sequential = 20_000;
    private const int Contended = 10_000;
    private const int WorkersPerReplica = 8;

    public static async Task<int> RunAsync()
    {
        int port = FreePort();
        using Process redis = StartRedis(port);
        try
        {
            await using var connA = new RedisCoordinationConnection(new RedisCoordinationOptions { ConnectionString = $"127.0.0.1:{port}", KeyPrefix = "bench" });
            await using var connB = new RedisCoordinationConnection(new RedisCoordinationOptions { ConnectionString = $"127.0.0.1:{port}", KeyPrefix = "bench" });
            if (!await WaitConnectedAsync(connA) || !await WaitConnectedAsync(connB))
            {
                Console.Error.WriteLine("redis-server did not accept connections");
                return 1;
            }

            var a = new RedisSupervisionCoordinator(connA);
            var b = new RedisSupervisionCoordinator(connB);
            TimeSpan lease = TimeSpan.FromSeconds(10);

            // One replica, one decision at a time: the latency a decision pays for its lease.
            await DecideAsync(a, "replica-a", lease, Warmup);
            double[] sequential = await DecideAsync(a, "replica-a", lease, Sequential);
            Report($"sequential, 1 replica, {Sequential:N0} decisions (acquire + fence check)", sequential);

            // Two replicas racing for every park, 8 decisions in flight each: exactly one must win each leg.
            string[] legs = [.. Enumerable.Range(0, Contended).Select(_ => Guid.NewGuid().ToString())];
            int wins = 0;
            var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
            var wall = Stopwatch.StartNew();
            await Task.WhenAll(
                Enumerable.Range(0, WorkersPerReplica).Select(w => RaceAsync(a, "replica-a", w))
                .Concat(Enumerable.Range(0, WorkersPerReplica).Select(w => RaceAsync(b, "replica-b", w))));
            wall.Stop();
            Report($"contended, 2 replicas x {WorkersPerReplica} in flight, {Contended:N0} parks seen by both", [.. latencies]);
            Console.WriteLine($"  legs won: {wins:N0} of {Contended:N0} (each exactly once: {(wins == Contended ? "yes" : "NO")}); {2 * Contended / wall.Elapsed.TotalSeconds:N0} acquisitions/s");
            Console.WriteLine("  Redis round trips per decision: 2 (EVAL acquire, HMGET fence check); per mode switch +1; renewal 1 per running supervision per RenewInterval");
            return wins == Contended ? 0 : 1;

            async Task RaceAsync(RedisSupervisionCoordinator coordinator, string owner, int worker)
            {
                for (int i = worker; i < legs.Length; i += WorkersPerReplica)
                {
                    var key = new SupervisionLeaseKey("fs-a", legs[i]);
                    long start = Stopwatch.GetTimestamp();
                    SupervisionLeaseResult result = await coordinator.TryAcquireAsync(key, owner, lease, SupervisionLeaseDetails.None);
                    if (result.Acquired)
                    {
                        await coordinator.IsCurrentAsync(key, result.Lease.Fence);
                        Interlocked.Increment(ref wins);
                    }

                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }
        finally
        {
            redis.Kill(entireProcessTree: true);
            await redis.WaitForExitAsync();
        }
    }

    private static async Task<double[]> DecideAsync(RedisSupervisionCoordinator coordinator, string owner, TimeSpan lease, int count)
    {
        var latencies = new double[count];
        for (int i = 0; i < count; i++)
        {
            var key = new SupervisionLeaseKey("fs-a", Guid.NewGuid().ToString());
            long start = Stopwatch.GetTimestamp();
            SupervisionLeaseResult result = await coordinator.TryAcquireAsync(key, owner, lease, SupervisionLeaseDetails.None);
            bool current = await coordinator.IsCurrentAsync(key, result.Lease!.Fence);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (!current)
            {
                throw new InvalidOperationException("A fresh lease was not current.");
            }

            await coordinator.ReleaseAsync(result.Lease);
        }

        return latencies;
    }

    private static void Report(string title, double[] latencies)
    {
        Array.Sort(latencies);
        double P(double q) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
        Console.WriteLine($"{title}: p50 {P(0.50):F3} ms, p99 {P(0.99):F3} ms, p99.9 {P(0.999):F3} ms, max {latencies[^1]:F3} ms");
    }

    private static async Task<bool> WaitConnectedAsync(RedisCoordinationConnection connection) => await connection.ConnectAsync();

    /// <summary>A redis-server of the benchmarks' own on <paramref name="port"/> (loopback, no persistence), once it accepts connections.</summary>
    internal static Process StartRedis(int port)
    {
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        var ready = new ManualResetEventSlim();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.Set();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        if (!ready.Wait(TimeSpan.FromSeconds(20)))
        {
            process.Kill();
            throw new InvalidOperationException("redis-server did not become ready");
        }

        return process;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
