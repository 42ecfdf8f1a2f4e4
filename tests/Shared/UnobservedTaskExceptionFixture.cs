using System.Collections.Concurrent;
using Xunit;

[assembly: AssemblyFixture(typeof(EslSupervision.TestSupport.UnobservedTaskExceptionFixture))]

namespace EslSupervision.TestSupport;

/// <summary>
/// Fails the test run when any task exception goes unobserved while the assembly's tests run: the library must await
/// or observe every task it starts. At the end it forces finalization (which is when the runtime reports them) and
/// throws, listing each one, so the run fails even though no single test did.
/// </summary>
public sealed class UnobservedTaskExceptionFixture : IAsyncDisposable
{
    private readonly ConcurrentQueue<Exception> _unobserved = new();

    public UnobservedTaskExceptionFixture() => TaskScheduler.UnobservedTaskException += OnUnobserved;

    /// <summary>For a test that wants to check a scenario by itself: forces finalization and returns what fired so far.</summary>
    public static IReadOnlyList<Exception> Collect(UnobservedTaskExceptionFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return [.. fixture._unobserved];
    }

    public ValueTask DisposeAsync()
    {
        IReadOnlyList<Exception> found = Collect(this);
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        if (found.Count > 0)
        {
            string list = string.Join(Environment.NewLine + "---" + Environment.NewLine, found.Select(e => e.ToString()));
            throw new InvalidOperationException($"{found.Count} unobserved task exception(s) during the test run:{Environment.NewLine}{list}");
        }

        return ValueTask.CompletedTask;
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        _unobserved.Enqueue(e.Exception);
    }
}
