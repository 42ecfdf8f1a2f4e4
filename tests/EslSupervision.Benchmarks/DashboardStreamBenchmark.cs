using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EslSupervision.AspNetCore;
using EslSupervision.AspNetCore.Internal;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EslSupervision.Benchmarks;

/// <summary>
/// "Current calls" at scale, as a console measurement (<c>--dashboard</c>): 10,000 calls in 50 tenants, 200 open
/// live streams (4 per tenant), 500 call changes/s (a call ends or starts) for <c>DASHBOARD_SECONDS</c> (default 20).
/// Prints the size and build time of one tenant's state and of a whole-switch snapshot, the p50/p99 delay from a
/// change entering the registry to the next SSE write on a stream of that tenant, and the process CPU.
/// </summary>
/// <remarks>
/// A write is counted as delivering every change of its tenant stamped before the write; a change that arrived
/// while the state was being built is thus counted against that write (slightly optimistic, by at most one build).
/// </remarks>
internal static class DashboardStreamBenchmark
{
    private const int Calls = 10_000;
    private const int Streams = 200;
    private const int ChangesPerSecond = 500;

    public static async Task RunAsync()
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("DASHBOARD_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : 20;
        SupervisionWorkload workload = SupervisionWorkload.Load();
        var connection = new SupervisionFakeConnection();
        var options = new Monitor<SupervisionOptions>(SupervisionWorkload.Options());
        var registry = new CallRegistry();
        var permissions = new RingGroupPermissionProvider(options);
        await using var controller = new SupervisionController(connection, registry, new SupervisionAuthorizer(permissions, registry, options), options);
        await controller.StartAsync();
        var dashboardOptions = Options.Create(new EslSupervisionDashboardOptions());
        using var audit = new AuditRing(controller, dashboardOptions);
        using var index = new TenantCallIndex(registry);
        using var permissionCache = new PermissionCache(permissions, options, dashboardOptions, TimeProvider.System);
        await audit.StartAsync(CancellationToken.None);
        var view = new DashboardView(new TenantCallsCache(registry, index), controller, permissionCache, options, audit, dashboardOptions, TimeProvider.System);

        for (int call = 0; call < Calls; call++)
        {
            foreach (byte[] frame in workload.CallSetup(call))
            {
                connection.Push(EslEvent.FromPlain(frame));
            }

            // The controller reads through a bounded buffer: pushing 10,000 calls at once would overflow it and
            // trigger a gap resync against this fake (which lists no channels). Let it take each batch.
            if (call % 25 == 24)
            {
                await UntilAsync(() => registry.Count >= 2 * (call + 1));
            }
        }

        await UntilAsync(() => registry.Count >= 2 * Calls);

        // Snapshot figures: one tenant's state as GET calls returns it, and the whole registry.
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        UserIdentity supervisor = new(SupervisionWorkload.Tenant(0), SupervisionWorkload.SupervisorExtension(0));
        string tenantState = JsonSerializer.Serialize(await view.BuildAsync(supervisor, CancellationToken.None), json);
        var build = Stopwatch.StartNew();
        const int builds = 200;
        for (int i = 0; i < builds; i++)
        {
            JsonSerializer.Serialize(await view.BuildAsync(supervisor, CancellationToken.None), json);
        }

        double tenantMs = build.Elapsed.TotalMilliseconds / builds;
        build.Restart();
        CallRegistrySnapshot snapshot = registry.GetSnapshot();
        double snapshotMs = build.Elapsed.TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"DASHBOARD-SNAPSHOT calls={Calls:N0} legs={snapshot.Legs.Count:N0} registry snapshot {snapshotMs:F2} ms; one tenant's state ({JsonDocument.Parse(tenantState).RootElement.GetProperty("calls").GetArrayLength()} calls) {tenantState.Length:N0} B JSON, built+serialized in {tenantMs:F2} ms"));

        // 200 streams, 4 per tenant.
        using var stop = new CancellationTokenSource();
        var delays = new ConcurrentBag<double>();
        var streamTasks = new List<Task>();
        var perTenant = new Dictionary<string, List<RecordingStream>>(StringComparer.Ordinal);
        for (int i = 0; i < Streams; i++)
        {
            string tenant = SupervisionWorkload.Tenant(i);
            var body = new RecordingStream(delays);
            (perTenant.TryGetValue(tenant, out var list) ? list : perTenant[tenant] = []).Add(body);
            var context = new DefaultHttpContext();
            context.Response.Body = body;
            var me = new UserIdentity(tenant, SupervisionWorkload.SupervisorExtension(i));
            streamTasks.Add(Task.Run(() => LiveStream.RunAsync(context, me, view, index, permissionCache, audit, dashboardOptions.Value, TimeProvider.System, json, stop.Token)));
        }

        // Steady state is measured: wait until every stream has written its first state (the permission cache is then
        // warm), and report how long opening 200 streams at once took.
        var opening = Stopwatch.StartNew();
        List<RecordingStream> all = [.. perTenant.Values.SelectMany(v => v)];
        await UntilAsync(() => all.All(r => r.Writes > 0));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DASHBOARD-OPEN {Streams} streams opened at once: every first state written after {opening.Elapsed.TotalMilliseconds:F0} ms"));

        // How long a pushed change takes to reach the registry (the controller's read loop), apart from the dashboard.
        var pushedAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var applyLags = new ConcurrentBag<double>();
        using IDisposable applied = registry.Changes.Subscribe(c =>
        {
            if (c.Kind is CallChangeKind.ChannelCreated or CallChangeKind.ChannelEnded && pushedAt.TryRemove(c.Leg.UniqueId, out long at))
            {
                applyLags.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            }
        });

        // Changes: every 10 ms, 5 changes (a call of a round-robin tenant ends, then starts again next round).
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        int next = 0, changes = 0;
        bool[] ended = new bool[Calls];
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (wall.Elapsed < TimeSpan.FromSeconds(seconds) && await tick.WaitForNextTickAsync())
        {
            int due = (int)(wall.Elapsed.TotalSeconds * ChangesPerSecond) - changes;
            for (int k = 0; k < due; k++, changes++)
            {
                int call = next++ % Calls;
                string tenant = SupervisionWorkload.Tenant(call);
                long at = Stopwatch.GetTimestamp();
                foreach (RecordingStream stream in perTenant[tenant])
                {
                    stream.Pending.Enqueue(at);
                }

                pushedAt[SupervisionWorkload.CallLegs(call).A] = at;

                if (ended[call])
                {
                    foreach (byte[] frame in workload.CallSetup(call))
                    {
                        connection.Push(EslEvent.FromPlain(frame));
                    }
                }
                else
                {
                    (string a, string b) = SupervisionWorkload.CallLegs(call);
                    foreach (string leg in new[] { a, b })
                    {
                        connection.Push(EslEvent.Create([new("Event-Name", "CHANNEL_HANGUP_COMPLETE"), new("Unique-ID", leg), new("Hangup-Cause", "NORMAL_CLEARING")]));
                        connection.Push(EslEvent.Create([new("Event-Name", "CHANNEL_DESTROY"), new("Unique-ID", leg)]));
                    }
                }

                ended[call] = !ended[call];
            }
        }

        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        double elapsed = wall.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(streamTasks);
        double[] sorted = [.. delays.OrderBy(d => d)];
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        long writes = perTenant.Values.SelectMany(v => v).Sum(r => r.Writes);
        double[] lags = [.. applyLags.OrderBy(d => d)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"DASHBOARD-APPLY push -> registry change (the controller's read loop, not the dashboard) p50 {lags[lags.Length / 2]:F1} ms, p99 {lags[Math.Min(lags.Length - 1, (int)(0.99 * lags.Length))]:F1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"DASHBOARD-STREAM streams={Streams} changes={changes:N0} in {elapsed:F1} s ({changes / elapsed:F0}/s) writes={writes:N0} ({writes / elapsed / Streams:F1}/s per stream); change -> SSE write p50 {P(0.50):F1} ms, p99 {P(0.99):F1} ms, max {P(1):F1} ms; process CPU {cpu.TotalSeconds / elapsed * 100:F0}% of one core ({Environment.ProcessorCount} cores)"));
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var patience = Stopwatch.StartNew();
        while (!condition())
        {
            if (patience.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("The registry did not take the call set-up.");
            }

            await Task.Delay(1);
        }
    }

    /// <summary>The response body of one stream: stamps each write and settles the changes it delivers.</summary>
    private sealed class RecordingStream(ConcurrentBag<double> delays) : Stream
    {
        private long _writes;

        public ConcurrentQueue<long> Pending { get; } = new();

        public long Writes => Interlocked.Read(ref _writes);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => 0;

        public override long Position { get => 0; set { } }

        public override void Write(byte[] buffer, int offset, int count) => Record();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Record();
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Record();
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void Record()
        {
            Interlocked.Increment(ref _writes);
            long now = Stopwatch.GetTimestamp();
            while (Pending.TryPeek(out long at) && at <= now && Pending.TryDequeue(out at))
            {
                delays.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
            }
        }
    }

    private sealed class Monitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
