using BenchmarkDotNet.Running;
using EslSupervision.Benchmarks;

if (args.Contains("--retained"))
{
    // Retained memory is not something BenchmarkDotNet measures: a plain console measurement.
    RetainedMemory.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
