using System.Globalization;
using BenchmarkDotNet.Attributes;
using EslSupervision.Calls;
using EslSupervision.EventSocket;

namespace EslSupervision.Benchmarks;

/// <summary>
/// The call registry at scale: the memory it keeps per tracked channel, and the cost of the lookups the
/// controller makes per decision, for <see cref="Calls"/> calls (two legs each) built from the real captured
/// events (rewritten Unique-IDs, extensions, tenants).
/// </summary>
/// <remarks>
/// GlobalSetup measures <see cref="GC.GetTotalMemory(bool)"/> (forced full collection) before and after applying
/// every event of every call to a fresh registry; the events and their frames are unreachable by then, so the
/// difference is what the registry retains. It prints <c>SUPERVISION-MEMORY</c> lines: bytes per channel (leg)
/// and per call.
/// </remarks>
[MemoryDiagnoser]
public class SupervisionRegistryBenchmarks
{
    private CallRegistry _registry = null!;
    private string[] _tenants = [];
    private string[] _extensions = [];
    private string[] _legs = [];
    private byte[] _execute = [];
    private int _next;

    [Params(1_000, 10_000)]
    public int Calls { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        SupervisionWorkload workload = SupervisionWorkload.Load();
        _tenants = [.. Enumerable.Range(0, Calls).Select(SupervisionWorkload.Tenant)];
        _extensions = [.. Enumerable.Range(0, Calls).Select(SupervisionWorkload.AgentExtension)];
        _legs = [.. Enumerable.Range(0, Calls).Select(i => SupervisionWorkload.CallLegs(i).B)];
        _execute = workload.Background(Calls / 2, 0);

        // Warm everything the registry's first event would otherwise allocate once (statics, JIT, pools).
        using (var warm = new CallRegistry())
        {
            Apply(warm, workload, SupervisionWorkload.MaxCalls - 1);
        }

        long before = Settle();
        _registry = new CallRegistry();
        for (int call = 0; call < Calls; call++)
        {
            Apply(_registry, workload, call);
        }

        long after = Settle();
        long retained = after - before;
        int legs = _registry.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SUPERVISION-MEMORY calls={Calls:N0} legs={legs:N0} retained={retained:N0} B => {(double)retained / legs:F0} B per channel (leg), {(double)retained / Calls:F0} B per call"));
        GC.KeepAlive(_registry);
    }

    [GlobalCleanup]
    public void Cleanup() => _registry.Dispose();

    /// <summary>What the controller does first for every service-code call: the agent's active leg, by tenant and extension.</summary>
    [Benchmark]
    public CallLeg? FindActiveAgentLeg()
    {
        int i = _next++ % Calls;
        return _registry.FindActiveAgentLeg(_tenants[i], _extensions[i]);
    }

    /// <summary>The lookup by leg used on every mode switch (target leg known).</summary>
    [Benchmark]
    public CallLeg? GetLeg() => _registry.GetLeg(_legs[_next++ % Calls]);

    /// <summary>One tracked channel event (<c>CHANNEL_EXECUTE</c> of <c>bridge</c>, full channel data) applied to the registry.</summary>
    [Benchmark]
    public int ApplyChannelEvent()
    {
        _registry.Apply(EslEvent.FromPlain(_execute));
        return _registry.Count;
    }

    private static void Apply(CallRegistry registry, SupervisionWorkload workload, int call)
    {
        foreach (byte[] frame in workload.CallSetup(call))
        {
            registry.Apply(EslEvent.FromPlain(frame));
        }
    }

    private static long Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
