using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// Starts the threads a connection owns (its socket read loop, its Rx dispatch loop): named, background, without the
/// starter's async-local state, and counted while they run, so a test can prove none outlives its connection.
/// </summary>
internal static class DedicatedThread
{
    private static int _live;

    /// <summary>How many of these threads are running now (in this process).</summary>
    public static int Live => Volatile.Read(ref _live);

    /// <summary>Runs <paramref name="body"/> on a new thread; the task completes after it returned and the thread stopped counting.</summary>
    public static Task Start(string name, Action body, ILogger logger)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception ex)
            {
                // The loops handle their own errors; an escape from a thread would end the process, so it is logged.
                Log.ReadLoopFailed(logger, ex);
            }
            finally
            {
                Interlocked.Decrement(ref _live);
                ended.TrySetResult();
            }
        })
        {
            // Background: a connection nobody disposed must not keep the process alive.
            IsBackground = true,
            Name = name,
        };

        Interlocked.Increment(ref _live);

        // Unsafe: the thread must not carry the async-local state (activities, log scopes) of whoever started it.
        thread.UnsafeStart();
        return ended.Task;
    }
}
