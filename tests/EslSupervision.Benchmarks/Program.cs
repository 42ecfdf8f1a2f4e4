using BenchmarkDotNet.Running;
using EslSupervision.Benchmarks;

if (args.Any(a => a is "--side-by-side" or "--serve" or "--drive"))
{
    // Separate-process ingest over loopback beside a framer baseline (see SideBySide and RESULTS.md).
    Environment.ExitCode = SideBySide.Run(args);
    return;
}

if (args.Contains("--retained"))
{
    // Retained memory is not something BenchmarkDotNet measures: a plain console measurement.
    RetainedMemory.Run();
    return;
}

if (args.Contains("--cluster"))
{
    // Local and cross-switch decision latency, 3 switches under concurrent load: a console measurement.
    Environment.ExitCode = ClusterLatencyBenchmark.Run();
    return;
}

if (args.Contains("--redis-lease"))
{
    // The lease's share of a decision with replicas, against a real redis-server on loopback.
    Environment.ExitCode = await RedisLeaseBenchmark.RunAsync();
    return;
}

if (args.Contains("--replicas"))
{
    // Decision latency with 2 controller replicas x 3 switches over a real redis-server: lease included, exactly-once checked.
    Environment.ExitCode = await ReplicaLatencyBenchmark.RunAsync();
    return;
}

if (args.Contains("--dashboard"))
{
    // Latency from a registry change to the SSE write, with 200 open streams: a console measurement as well.
    await DashboardStreamBenchmark.RunAsync();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
