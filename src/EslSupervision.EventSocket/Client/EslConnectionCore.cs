using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EslSupervision.EventSocket.Diagnostics;
using EslSupervision.EventSocket.Protocol;
using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// One open socket to the switch: a read loop that cuts frames and routes them, a writer that sends one
/// command at a time, and the correlation of replies (FIFO, in send order), background jobs (by Job-UUID)
/// and executions (by Event-UUID). Lives exactly as long as the socket; reconnecting makes a new one.
/// </summary>
internal sealed partial class EslConnectionCore : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader? _reader;
    private readonly EslConnectionSettings _settings;
    private readonly Func<IReadOnlyList<object>, CancellationToken, ValueTask> _publish;

    /// <summary>
    /// What one socket read produced for consumers, handed over at once (reused: the dispatcher copies it into its
    /// buffers). Replaced when the stall watch gives reading to a new thread: the old one may still be delivering it.
    /// </summary>
    private List<object> _batch = new(64);

    /// <summary>What the read thread receives into; plain events wait there for consumers without an array each.</summary>
    private readonly BodyChunkPool _chunks = new();
    private readonly ILogger _logger;
    private readonly EslMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Queue<PendingReply> _replies = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<EslBackgroundJobResult>> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, PendingExecution> _executions = new(StringComparer.OrdinalIgnoreCase);
    private readonly TaskCompletionSource _authRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _readLoop;
    private readonly ITimer? _livenessTimer;

    /// <summary>Delivery on the read thread to watch for stalls (inbound clients under the Wait policy); null otherwise.</summary>
    private readonly IInlineDelivery? _inline;
    private readonly TaskCompletionSource _readEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer? _stallTimer;
    private readonly object _stallWatchGate = new();

    /// <summary>Taken by the stall watch across ending inline delivery and replacing the read thread, and by a read thread asking whether it was replaced.</summary>
    private readonly object _handOverGate = new();

    /// <summary>The inline batch the watch saw last, and since when (a timestamp of <see cref="_time"/>).</summary>
    private long _seenDelivery;
    private long _seenSince;

    /// <summary>The managed id of the thread reading the socket now.</summary>
    private int _readerThreadId;

    /// <summary>Which read thread owns the socket and <see cref="_receive"/>: bumped when the stall watch starts a new one.</summary>
    private int _readerGeneration;
    private ReceiveBuffer? _receive;
    private Exception? _closeReason;
    private bool _closed;
    private long _lastFrame;
    private int _consecutiveTimeouts;

    public EslConnectionCore(
        Stream stream,
        EslConnectionSettings settings,
        Func<IReadOnlyList<object>, CancellationToken, ValueTask> publish,
        ILogger logger,
        EslMetrics metrics,
        TimeProvider time,
        IInlineDelivery? inline = null)
    {
        _stream = stream;
        _settings = settings;
        _publish = publish;
        _logger = logger;
        _metrics = metrics;
        _time = time;
        _reader = settings.DedicatedThreads
            ? null
            : PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024, leaveOpen: true));
        _lastFrame = time.GetTimestamp();

        // Nobody may be waiting for auth/request (outbound sessions never are): observe its failure here.
        _ = _authRequested.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (settings.LivenessTimeout > TimeSpan.Zero)
        {
            // Checked a few times per timeout, so a dead peer is found at most a quarter of the timeout late.
            TimeSpan period = TimeSpan.FromTicks(Math.Max(settings.LivenessTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10));
            _livenessTimer = time.CreateTimer(static state => ((EslConnectionCore)state!).CheckLiveness(), this, period, period);
        }

        // On the system clock the watch is a thread of its own that sleeps between looks: a timer's callback wakes a
        // pool worker, which then spins and yields ~150 times on a busy machine (7,800 context switches in a
        // one-second ingest run against ~50 for the thread). Another clock (a test's) drives it through a timer.
        bool watch = settings.DedicatedThreads && inline is { CurrentInlineDelivery: >= 0 };
        if (watch)
        {
            _inline = inline;
            if (time != TimeProvider.System)
            {
                _stallTimer = time.CreateTimer(static state => ((EslConnectionCore)state!).OnStallTimer(), this, settings.StallPeriod, settings.StallPeriod);
            }
        }

        Task reading = settings.DedicatedThreads ? StartReadThread() : Task.Run(ReadLoopAsync);
        Task? stallWatch = watch && time == TimeProvider.System ? DedicatedThread.Start("ESL stall watch", WatchForStalls, logger) : null;

        // The watch ends once reading has, so it never outlives the connection. A read thread the watch replaced may:
        // it ends when its subscriber lets go, and a stuck subscriber must not hold up the connection's end.
        _readLoop = stallWatch is null ? reading : Task.WhenAll(reading, stallWatch);
    }

    /// <summary>How long ago the last bytes arrived from the switch (any frame: event, reply, notice).</summary>
    public TimeSpan SinceLastFrame => _time.GetElapsedTime(Volatile.Read(ref _lastFrame));

    /// <summary>Why the client declared the connection dead (<c>silence</c>, <c>command_timeouts</c>); null otherwise.</summary>
    public string? DeathReason { get; private set; }

    /// <summary>Completes when the socket is closed, for whatever reason.</summary>
    public Task Completion => _readLoop;

    /// <summary>Why the connection closed; null while open or after a clean close.</summary>
    public Exception? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>Set when the switch announced the close (disconnect notice, <c>exit</c>).</summary>
    public bool ClosedByNotice { get; private set; }

    public bool IsOpen => !Volatile.Read(ref _closed);

    public EslConnectionSettings Settings => _settings;

    /// <summary>Completes when the switch sends <c>auth/request</c>; fails if it rejects the address instead.</summary>
    public Task AuthRequested => _authRequested.Task;

    /// <summary>Writes a command and returns its reply frame (<c>command/reply</c> or <c>api/response</c>).</summary>
    public async Task<EslFrame> SendAsync(EslCommand command, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var pending = new PendingReply(command.Name, _time.GetTimestamp());
        TimeSpan wait = timeout ?? _settings.CommandTimeout;

        // The reply clock starts before the write, not after it: the caller's timeout covers a write stuck behind
        // others, and the deadline exists before the switch can possibly see the command (a test that moves a fake
        // clock once the switch has the command can never move it before the deadline is set).
        Task<EslFrame> replied = pending.Task.WaitAsync(wait, _time, cancellationToken);
        try
        {
            await WriteAsync(command, pending, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nobody awaits the reply of a command that was never written; its timer must not fault unobserved.
            _ = replied.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        try
        {
            EslFrame reply = await replied.ConfigureAwait(false);
            Volatile.Write(ref _consecutiveTimeouts, 0);
            _metrics.CommandCompleted(command.Name, _time.GetElapsedTime(pending.StartedAt), "ok");
            return reply;
        }
        catch (TimeoutException)
        {
            pending.Abandoned = true;
            _metrics.CommandCompleted(command.Name, wait, "timeout");
            int timeouts = Interlocked.Increment(ref _consecutiveTimeouts);
            if (_settings.MaxConsecutiveTimeouts > 0 && timeouts >= _settings.MaxConsecutiveTimeouts)
            {
                DeclareDead("command_timeouts", $"{timeouts} commands in a row got no reply within {wait.TotalSeconds:0.#} s");
            }

            throw new EslTimeoutException(command.Name, wait);
        }
        catch (OperationCanceledException)
        {
            pending.Abandoned = true;
            throw;
        }
    }

    /// <summary>Registers a background job before its command is written, so its event cannot be missed.</summary>
    public Task<EslBackgroundJobResult> RegisterJob(string jobUuid)
    {
        var job = new TaskCompletionSource<EslBackgroundJobResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _jobs[jobUuid] = job;
        if (!IsOpen)
        {
            Fail(job, Lost());
        }

        return job.Task;
    }

    public void ForgetJob(string jobUuid) => _jobs.TryRemove(jobUuid, out _);

    /// <summary>Registers an execution before its sendmsg is written.</summary>
    public Task<EslEvent> RegisterExecution(string eventUuid, string uniqueId, string application)
    {
        var execution = new PendingExecution(uniqueId, application);
        _executions[eventUuid] = execution;
        if (!IsOpen)
        {
            Fail(execution, Lost());
        }

        return execution.Task;
    }

    public void ForgetExecution(string eventUuid) => _executions.TryRemove(eventUuid, out _);

    /// <summary>Closes the socket and waits for the read loop. Never throws; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        Close(null);
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The read loop handles its own errors; anything left is a bug that must not escape a dispose.
            Log.CloseFailed(_logger, ex);
        }

        // The CancellationTokenSource and the write lock are left to the GC: a writer that raced the close may
        // still touch them, and disposing them under it would turn a clean EslConnectionException into an ObjectDisposedException.
    }

    /// <summary>Fails a waiting operation and marks its exception observed: its caller may have stopped waiting.</summary>
    private static void Fail<T>(TaskCompletionSource<T> pending, Exception error)
    {
        if (pending.TrySetException(error))
        {
            _ = pending.Task.Exception;
        }
    }

    private void CheckLiveness()
    {
        if (!IsOpen)
        {
            return;
        }

        TimeSpan silent = SinceLastFrame;
        if (silent >= _settings.LivenessTimeout)
        {
            DeclareDead("silence", $"nothing received for {silent.TotalSeconds:0.#} s (limit {_settings.LivenessTimeout.TotalSeconds:0.#} s)");
        }
    }

    private void DeclareDead(string reason, string detail)
    {
        if (!IsOpen)
        {
            return;
        }

        DeathReason = reason;
        _metrics.ConnectionDead(reason);
        Log.ConnectionDead(_logger, reason, detail);
        Close(new EslConnectionException($"The connection to {_settings.EndpointDescription} was declared dead: {detail}."));
    }

    /// <summary>Queues the reply a command about to be written waits for, or throws if the connection is closed.</summary>
    /// <remarks>
    /// A method of its own, not a <c>lock</c> inside <see cref="WriteAsync"/>: on .NET 10.0.12 an exception thrown
    /// inside a <c>lock</c> of an async method whose <c>try</c> has a filtered <c>catch</c> left the monitor held
    /// (reproduced in a 25-line program: 2,000 such writes deadlock; the same lock in a synchronous method does not).
    /// Here it held <c>_replies</c> for good after a write timeout, and every later command and the dispose hung.
    /// </remarks>
    private void Expect(PendingReply pending)
    {
        lock (_replies)
        {
            if (_closed)
            {
                throw Lost();
            }

            _replies.Enqueue(pending);
        }
    }

    private async Task WriteAsync(EslCommand command, PendingReply pending, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Enqueued under the write lock: the queue's order is the wire's order.
            Expect(pending);

            // A half-written command would corrupt the stream, so the caller's token does not cut a write;
            // only the connection's own shutdown does.
            if (_settings.DedicatedThreads)
            {
                // Written synchronously: one asynchronous operation would turn the socket non-blocking for good, and
                // the read thread's blocking receive would then go through the runtime's epoll thread and a wait handle.
                // A command is small and the kernel's send buffer takes it at once unless the switch stopped reading;
                // then the close (liveness, dispose) shuts the socket down, which ends the write.
                _stream.Write(command.Bytes);
            }
            else
            {
                await _stream.WriteAsync(command.Bytes, _lifetime.Token).ConfigureAwait(false);
                await _stream.FlushAsync(_lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var lost = new EslConnectionException($"Writing '{command.Name}' failed: the connection is closed.", ex);
            Close(lost);
            throw lost;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        PipeReader reader = _reader!;
        Exception? reason = null;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(_lifetime.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                Volatile.Write(ref _lastFrame, _time.GetTimestamp());
                long before = buffer.Length;
                int frames = 0;
                try
                {
                    while (EslFrameReader.TryRead(ref buffer, _settings.MaxFrameSize, out EslFrame? frame))
                    {
                        frames++;
                        Handle(frame!);
                    }
                }
                finally
                {
                    _metrics.FramesReceived(frames);
                    _metrics.BytesReceived(before - buffer.Length);
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }

                // Every frame of this read goes to consumers in one hand-off: one wake-up per read, not per event.
                await FlushAsync().ConfigureAwait(false);

                if (result.IsCompleted || result.IsCanceled)
                {
                    if (!buffer.IsEmpty)
                    {
                        reason = new EslConnectionException($"The connection closed in the middle of a frame ({buffer.Length} bytes unread).");
                    }
                    else if (!ClosedByNotice)
                    {
                        reason = new EslConnectionException("The switch closed the connection.");
                    }

                    break;
                }
            }
        }
        catch (Exception ex)
        {
            reason = ReadFailure(ex);
        }
        finally
        {
            // Frames cut before an error or the end still reach consumers. Closed first, so a full Wait buffer
            // is not waited for: a stuck consumer must not keep a dead connection from ending.
            Close(reason);
            await FlushAsync().ConfigureAwait(false);
            try
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async ValueTask FlushAsync()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        try
        {
            await _publish(_batch, _lifetime.Token).ConfigureAwait(false);
        }
        finally
        {
            ReleaseBatch(_batch);
        }
    }

    /// <summary>
    /// Why a read loop (either kind) ended on <paramref name="ex"/>: the close reason, or <see langword="null"/> for
    /// the connection's own shutdown. Whatever fails there must close the socket with a reason, never leave a
    /// connection that reports Connected while nothing reads it.
    /// </summary>
    private Exception? ReadFailure(Exception ex)
    {
        switch (ex)
        {
            case EslProtocolException protocol:
                _metrics.ProtocolError();
                Log.ProtocolError(_logger, protocol);
                return protocol;
            case OperationCanceledException when _lifetime.IsCancellationRequested:
                return null;
            case IOException or ObjectDisposedException or System.Net.Sockets.SocketException:
                return _lifetime.IsCancellationRequested ? null : new EslConnectionException("The connection was lost.", ex);
            default:
                Log.ReadLoopFailed(_logger, ex);
                return new EslConnectionException("The connection's read loop failed: " + ex.Message, ex);
        }
    }

    /// <summary>The batch's own hold on each event: from now on only the buffers that queued it can deliver it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReleaseBatch(List<object> batch)
    {
        foreach (object item in batch)
        {
            (item as EslEvent)?.ReleaseHold();
        }

        batch.Clear();
    }

    // The methods every event goes through (frame cutting, wrapping, hand-off, dispatch) are compiled fully optimised
    // at their first call instead of tiered: tiering compiled them up to three times (quick, instrumented, optimised)
    // plus on-stack replacement of the loops, on the same two cores the events need, and ran the first tens of
    // thousands of events through slow code (RESULTS.md, seventh pass). Header lookups too, since they run on the read
    // thread as well (eighth pass: 8-header CPU 8.0 -> 7.7 us, medians of 8 interleaved rounds).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Handle(EslFrame frame)
    {
        switch (frame.Type)
        {
            case EslContentType.EventPlain:
                AddEvent(frame.Chunk is { } chunk
                    ? EslEvent.FromPlain(chunk, frame.BodyOffset, frame.BodyLength)
                    : EslEvent.FromPlain(frame.Body));
                break;
            case EslContentType.EventJson:
                AddEvent(Sized(JsonEventParser.Parse(frame.Body), frame));
                break;
            case EslContentType.EventXml:
                AddEvent(Sized(XmlEventParser.Parse(frame.Body), frame));
                break;
            case EslContentType.CommandReply:
            case EslContentType.ApiResponse:
                CompleteReply(frame);
                break;
            case EslContentType.AuthRequest:
                _authRequested.TrySetResult();
                break;
            case EslContentType.RudeRejection:
                _authRequested.TrySetException(new EslAuthenticationException("The switch rejected this address (text/rude-rejection): check its ACL."));
                ClosedByNotice = true;
                break;
            case EslContentType.DisconnectNotice:
                HandleDisconnectNotice(frame);
                break;
            case EslContentType.LogData:
                _batch.Add(ToLogLine(frame));
                break;
            default:
                Log.UnknownFrame(_logger);
                break;
        }
    }

    private static EslEvent Sized(EslEvent e, EslFrame frame)
    {
        e.WireSize = frame.Body.Length;
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddEvent(EslEvent e)
    {
        _metrics.EventReceived();
        if (!_jobs.IsEmpty || !_executions.IsEmpty)
        {
            Correlate(e);
        }

        _batch.Add(e);
    }

    /// <summary>Completes background jobs and executions here, before the buffer, so overflow can never lose them.</summary>
    private void Correlate(EslEvent e)
    {
        switch (e.EventName)
        {
            case "BACKGROUND_JOB":
                if (e["Job-UUID"] is { } jobUuid && _jobs.TryRemove(jobUuid, out var job))
                {
                    job.TrySetResult(new EslBackgroundJobResult(jobUuid, e.Body ?? string.Empty));
                }

                break;
            case "CHANNEL_EXECUTE_COMPLETE":
                if (e["Application-UUID"] is { } appUuid && _executions.TryRemove(appUuid, out var execution))
                {
                    // Handed to the caller before any buffer: it must own its bytes first.
                    e.TakeOwnership();
                    execution.TrySetResult(e);
                }

                break;
            case "CHANNEL_HANGUP_COMPLETE":
            case "CHANNEL_DESTROY":
                if (e.UniqueId is { } uuid)
                {
                    string? cause = e["Hangup-Cause"];
                    foreach (var (key, pending) in _executions)
                    {
                        if (string.Equals(pending.UniqueId, uuid, StringComparison.OrdinalIgnoreCase) && _executions.TryRemove(key, out _))
                        {
                            // Callers often never await an execution's completion (fire and forget): observe it here.
                            Fail(pending, new EslChannelGoneException(uuid, pending.Application, cause));
                        }
                    }
                }

                break;
        }
    }

    private void CompleteReply(EslFrame frame)
    {
        PendingReply? pending;
        lock (_replies)
        {
            _replies.TryDequeue(out pending);
        }

        if (pending is null)
        {
            Log.UnexpectedReply(_logger, frame.Type.ToString());
            return;
        }

        if (pending.Abandoned)
        {
            Log.LateReplyDiscarded(_logger, pending.Command);
        }

        pending.TrySetResult(frame);
    }

    private void HandleDisconnectNotice(EslFrame frame)
    {
        string disposition = frame.Header("Content-Disposition") ?? "disconnect";
        bool linger = string.Equals(disposition, "linger", StringComparison.OrdinalIgnoreCase);
        if (!linger)
        {
            ClosedByNotice = true;
        }

        Log.DisconnectNotice(_logger, disposition);
        int? lingerTime = int.TryParse(frame.Header("Linger-Time"), out int seconds) ? seconds : null;
        var notice = new EslDisconnectNotice(linger, frame.Header("Controlled-Session-UUID"), lingerTime, frame.BodyText);
        _batch.Add(notice);
        if (!linger)
        {
            // The final notice is the switch's last word (libesl treats it as fatal too): stop reading now
            // rather than wait for a close that a half-open peer may never send.
            _lifetime.Cancel();
        }
    }

    private static EslLogLine ToLogLine(EslFrame frame)
    {
        _ = int.TryParse(frame.Header("Log-Level"), out int level);
        _ = int.TryParse(frame.Header("Log-Line"), out int line);
        return new EslLogLine(level, frame.Header("Log-File"), frame.Header("Log-Func"), line, frame.Header("User-Data"), frame.BodyText);
    }

    private EslConnectionException Lost()
        => CloseReason as EslConnectionException
           ?? new EslConnectionException("The connection is closed.", CloseReason);

    /// <summary>Marks the connection closed and fails everything still waiting on it, at once.</summary>
    private void Close(Exception? reason)
    {
        PendingReply[] waiting;
        lock (_replies)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            Volatile.Write(ref _closeReason, reason);
            waiting = [.. _replies];
            _replies.Clear();
        }

        _livenessTimer?.Dispose();

        // The watch looks at once: a batch still being delivered must not hold up the connection's end.
        WakeStallWatch();
        try
        {
            _lifetime.Cancel();
        }
        catch (AggregateException ex)
        {
            Log.CloseFailed(_logger, ex);
        }

        EslConnectionException lost = Lost();
        _authRequested.TrySetException(reason ?? lost);
        foreach (PendingReply pending in waiting)
        {
            Fail(pending, lost);
        }

        foreach (string key in _jobs.Keys)
        {
            if (_jobs.TryRemove(key, out var job))
            {
                Fail(job, lost);
            }
        }

        foreach (string key in _executions.Keys)
        {
            if (_executions.TryRemove(key, out var execution))
            {
                Fail(execution, lost);
            }
        }

        try
        {
            _stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
        }
    }
}
