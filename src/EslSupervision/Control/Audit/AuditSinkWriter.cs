using System.Threading.Channels;

namespace EslSupervision.Control;

/// <summary>
/// Feeds one <see cref="ISupervisionAuditSink"/> from a bounded queue on a background loop, with the retry policy
/// documented on <see cref="ISupervisionAuditSink"/>: up to <see cref="MaxAttempts"/> tries per entry, then drop.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token sources have no timers and no wait handles; a sink left running after the flush time-out may still hold their tokens, so they are not disposed.")]
internal sealed class AuditSinkWriter
{
    public const int MaxAttempts = 3;
    public const int FailingAfter = 3;
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan[] DefaultRetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    private readonly ISupervisionAuditSink _sink;
    private readonly TimeProvider _time;
    private readonly AuditTelemetry _telemetry;
    private readonly Channel<SupervisionAuditEvent> _queue;
    private readonly CancellationTokenSource _stopRetrying = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _loop;
    private readonly IReadOnlyList<TimeSpan> _retryDelays;
    private int _consecutiveFailures;

    public AuditSinkWriter(ISupervisionAuditSink sink, int capacity, TimeProvider time, AuditTelemetry telemetry, IReadOnlyList<TimeSpan>? retryDelays = null)
    {
        _retryDelays = retryDelays is { Count: > 0 } ? retryDelays : DefaultRetryDelays;
        _sink = sink;
        _time = time;
        _telemetry = telemetry;
        _queue = Channel.CreateBounded<SupervisionAuditEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>True after <see cref="FailingAfter"/> failed tries in a row, until a write succeeds.</summary>
    public bool IsFailing => Volatile.Read(ref _consecutiveFailures) >= FailingAfter;

    public void Enqueue(SupervisionAuditEvent entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            _telemetry.Overflow("sink");
        }
    }

    /// <summary>Writes what is queued (one try each) for up to <see cref="FlushTimeout"/>, then cancels the sink.</summary>
    public async Task StopAsync()
    {
        _queue.Writer.TryComplete();
        await _stopRetrying.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(FlushTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Disposal never throws because of audit.
            _telemetry.SinkFailed(ex, 0);
        }
    }

    private async Task RunAsync()
    {
        await foreach (SupervisionAuditEvent entry in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_abort.IsCancellationRequested)
            {
                return;
            }

            await WriteWithRetriesAsync(entry).ConfigureAwait(false);
        }
    }

    private async Task WriteWithRetriesAsync(SupervisionAuditEvent entry)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = new CancellationTokenSource(WriteTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _abort.Token);

                // WaitAsync also bounds a sink that ignores its token; a write left behind is observed, never unobserved.
                Task write = _sink.WriteAsync(entry, linked.Token).AsTask();
                try
                {
                    await write.WaitAsync(WriteTimeout, _time, _abort.Token).ConfigureAwait(false);
                }
                finally
                {
                    if (!write.IsCompleted)
                    {
                        _ = write.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }
                }

                Volatile.Write(ref _consecutiveFailures, 0);
                return;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _consecutiveFailures);
                _telemetry.SinkFailed(ex, attempt);
                if (attempt >= MaxAttempts || _stopRetrying.IsCancellationRequested)
                {
                    _telemetry.SinkDropped(entry.Kind);
                    return;
                }
            }

            try
            {
                await Task.Delay(_retryDelays[Math.Min(attempt - 1, _retryDelays.Count - 1)], _time, _stopRetrying.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Shutting down: one last try.
            }
        }
    }
}
