using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Runtime.CompilerServices;
using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// Decouples the socket's read loop from consumers. The read loop hands over every frame cut from one socket
/// read as one batch; the batch goes into each consumer's own bounded buffer (<see cref="EventBuffer"/>):
/// one shared by the Rx streams (<see cref="Events"/>, <see cref="Logs"/>, <see cref="DisconnectNotices"/>),
/// drained by one dispatch loop that notifies subscribers in order (the Rx contract), and one per
/// <see cref="EslEventReader"/>. A slow Rx subscriber therefore never holds up a reader, nor a reader another.
/// Library-internal consumers that never block (the supervision controller's intake) may instead take each batch
/// synchronously, before any buffer (<see cref="SubscribeInline"/>): no thread hop and nothing to drop.
/// <para>
/// Under <see cref="EslOverflowPolicy.Wait"/> with dedicated threads the Rx streams start out delivered on the read
/// thread itself (<see cref="IInlineDelivery"/>): with that policy the subscribers pace the socket anyway, and the hop to
/// a dispatch thread cost a copy out of a cold cache, a hand-off and a wake-up for every batch (RESULTS.md, eighth pass).
/// The connection watches each such delivery; one that holds the read thread too long ends inline delivery for good.
/// </para>
/// </summary>
internal sealed class EventDispatcher : IAsyncDisposable, IInlineDelivery
{
    /// <summary><see cref="_inlineDelivery"/> once inline delivery has ended (or never began).</summary>
    private const long InlineEnded = -1;

    private readonly Subject<EslEvent> _events = new();
    private readonly Subject<EslLogLine> _logs = new();
    private readonly Subject<EslDisconnectNotice> _notices = new();
    private readonly EventBuffer _shared;
    private readonly int _defaultCapacity;
    private readonly long _defaultMaxBytes;
    private readonly EslOverflowPolicy _defaultPolicy;
    private readonly ILogger _logger;
    private readonly EslMetrics _metrics;
    private readonly bool _dedicatedThread;
    private readonly object _gate = new();

    /// <summary>Held by whoever calls Rx subscribers (an inline batch, the dispatch thread starting, completion), so calls never overlap.</summary>
    private readonly SemaphoreSlim _delivering = new(1, 1);
    private Task? _loop;

    /// <summary>0: inline, idle; positive: the id of the inline batch being delivered; <see cref="InlineEnded"/>: through the buffer.</summary>
    private long _inlineDelivery;
    private long _lastInlineDelivery;
    private EventBuffer[] _targets;
    private InlineSubscription[] _inline = [];
    private bool _completed;
    private Exception? _completion;

    // dedicatedThread: deliver to Rx subscribers on a thread of this dispatcher's own (started when the first batch
    // reaches the streams, ended by CompleteAsync) that parks on the buffer between batches, instead of an async loop
    // whose every wake-up is a thread-pool work item. For long-lived connections (inbound clients); one-call outbound
    // sessions keep the pool, so a busy switch does not cost a thread per call.
    // deliverInline: start out delivering the Rx streams on the publishing thread (see the class remarks); only with
    // dedicatedThread and the Wait policy, and only for a publisher whose connection watches for stalls.
    public EventDispatcher(int capacity, long maxBytes, EslOverflowPolicy policy, ILogger logger, EslMetrics metrics, bool dedicatedThread = false, bool deliverInline = false)
    {
        if (deliverInline && !(dedicatedThread && policy == EslOverflowPolicy.Wait))
        {
            throw new ArgumentException("Inline delivery needs dedicated threads and the Wait policy.", nameof(deliverInline));
        }

        _inlineDelivery = deliverInline ? 0 : InlineEnded;
        _dedicatedThread = dedicatedThread;
        _defaultCapacity = capacity;
        _defaultMaxBytes = maxBytes;
        _defaultPolicy = policy;
        _logger = logger;
        _metrics = metrics;
        _shared = new EventBuffer(capacity, maxBytes, policy, eventsOnly: false, OnDropped);
        _targets = [_shared];
        if (!dedicatedThread)
        {
            _loop = Task.Run(DispatchLoopAsync);
        }
    }

    public IObservable<EslEvent> Events => _events.AsObservable();

    public IObservable<EslLogLine> Logs => _logs.AsObservable();

    public IObservable<EslDisconnectNotice> DisconnectNotices => _notices.AsObservable();

    /// <summary>How many items the Rx streams' buffer dropped because subscribers fell behind.</summary>
    public long Dropped => _shared.Dropped;

    /// <summary>How many items wait for Rx subscribers right now.</summary>
    public int Pending => _shared.Count;

    public long CurrentInlineDelivery => Volatile.Read(ref _inlineDelivery);

    public bool TryEndInline(long delivery)
        => delivery > 0 && Interlocked.CompareExchange(ref _inlineDelivery, InlineEnded, delivery) == delivery;

    /// <summary>Opens a reader with its own buffer; it sees events published from now on.</summary>
    public EslEventReader CreateReader(EslEventReaderOptions? options)
    {
        var buffer = new EventBuffer(
            options?.Capacity ?? _defaultCapacity,
            options?.MaxBytes ?? _defaultMaxBytes,
            options?.OverflowPolicy ?? _defaultPolicy,
            eventsOnly: true,
            OnDropped);
        var reader = new EslEventReader(buffer, Remove);
        lock (_gate)
        {
            if (_completed)
            {
                buffer.Complete(_completion);
                return reader;
            }

            // Readers first: once an Rx subscriber has seen an event, every reader has it too (or counted it dropped).
            _targets = [buffer, .. _targets];
        }

        return reader;
    }

    /// <summary>Adds a consumer called synchronously by <see cref="PublishAsync"/>, before any buffer (see <see cref="IInlineEventSource"/>).</summary>
    public IDisposable SubscribeInline(Action<EslEvent> onEvent, bool lend = false)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        var subscription = new InlineSubscription(onEvent, RemoveInline, _logger, lend);
        lock (_gate)
        {
            _inline = [.. _inline, subscription];
        }

        return subscription;
    }

    /// <summary>
    /// Hands a batch (events, log lines, notices, in arrival order) to every inline consumer, on this thread, then to
    /// every consumer's buffer. Completes at once unless a buffer with <see cref="EslOverflowPolicy.Wait"/> is full.
    /// The caller may reuse the list afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ValueTask PublishAsync(IReadOnlyList<object> batch, CancellationToken cancellationToken)
    {
        // Inline consumers first: they see every event, whatever a buffer drops later.
        InlineSubscription[] inline = Volatile.Read(ref _inline);
        for (int i = 0; i < inline.Length; i++)
        {
            inline[i].Deliver(batch);
        }

        EventBuffer[] targets = Volatile.Read(ref _targets);

        // The streams are hot: with nobody subscribed, their buffer and its dispatch loop have nothing to do (the
        // supervision controller reads through its own reader), so they are not woken at all. Delivered inline, the
        // batch skips the buffer too, and goes to subscribers after every reader has it.
        bool observed = _events.HasObservers || _logs.HasObservers || _notices.HasObservers;
        bool deliverHere = observed && Volatile.Read(ref _inlineDelivery) == 0;
        EventBuffer? skip = observed && !deliverHere ? null : _shared;
        if (skip is null && Volatile.Read(ref _loop) is null)
        {
            StartThread();
        }

        for (int t = 0; t < targets.Length; t++)
        {
            if (targets[t] == skip)
            {
                continue;
            }

            int written = targets[t].Write(batch, 0);
            if (written < batch.Count)
            {
                // With dedicated threads the caller is the connection's own read thread: it waits parked on the full buffer's lock.
                ValueTask<bool> slow = WriteSlowAsync(targets, t, written, skip, batch, blocking: _dedicatedThread, cancellationToken);
                if (!deliverHere)
                {
                    return Untyped(slow);
                }

                // Inline needs dedicated threads, so the write waited on this thread and is done. Cut short by the
                // connection's end, it left readers without the rest: as behind the buffer, Rx gets none of it then.
                Debug.Assert(slow.IsCompleted, "a blocking write completes before it returns");
                if (!slow.Result)
                {
                    return ValueTask.CompletedTask;
                }

                break;
            }
        }

        if (deliverHere && !TryDeliverInline(batch))
        {
            // Inline delivery ended after the check above (another connection's publisher started the dispatch
            // thread): this batch goes behind the buffer like every later one.
            StartThread();
            return Untyped(WriteSlowAsync([_shared], 0, 0, null, batch, blocking: _dedicatedThread, cancellationToken));
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A write's completion without its result (no task allocated when it already finished).</summary>
    private static ValueTask Untyped(ValueTask<bool> write)
        => write.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(write.AsTask());

    /// <summary>
    /// Calls the Rx subscribers for the whole batch on this thread, each event copied out of the connection's chunk
    /// first (the batch's hold keeps the chunk intact meanwhile). The batch's id is published while it runs, for the
    /// connection's stall watch. False, with nothing delivered, if inline delivery has ended.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryDeliverInline(IReadOnlyList<object> batch)
    {
        _delivering.Wait();
        long id = ((long)Environment.CurrentManagedThreadId << 32) | (uint)++_lastInlineDelivery;
        try
        {
            // Completion waits for this batch, and after it nothing may follow OnCompleted.
            if (Volatile.Read(ref _completed))
            {
                return true;
            }

            if (Interlocked.CompareExchange(ref _inlineDelivery, id, 0) != 0)
            {
                return false;
            }

            for (int i = 0; i < batch.Count; i++)
            {
                object item = batch[i];
                Deliver(item is EslEvent e ? e.Owned() : item);
            }
        }
        finally
        {
            // Fails once inline delivery ended during this batch (or before it): the value stays InlineEnded.
            Interlocked.CompareExchange(ref _inlineDelivery, 0, id);
            _delivering.Release();
        }

        return true;
    }

    /// <summary>Ends the streams after every buffered item has been delivered: OnCompleted, or OnError with <paramref name="error"/>.</summary>
    public async Task CompleteAsync(Exception? error)
    {
        EventBuffer[] targets;
        Task? loop;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            Volatile.Write(ref _completed, true);
            _completion = error;
            targets = _targets;
            loop = _loop;
        }

        foreach (EventBuffer buffer in targets)
        {
            buffer.Complete(error);
        }

        // A dispatch thread that was never started has delivered nothing and has nothing buffered to deliver.
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        // A batch still being delivered inline (by a read thread the stall watch replaced) ends before the streams do.
        await _delivering.WaitAsync().ConfigureAwait(false);
        _delivering.Release();

        if (error is null)
        {
            _events.OnCompleted();
            _logs.OnCompleted();
            _notices.OnCompleted();
        }
        else
        {
            _events.OnError(error);
            _logs.OnError(error);
            _notices.OnError(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync(null).ConfigureAwait(false);
        _events.Dispose();
        _logs.Dispose();
        _notices.Dispose();
    }

    private void RemoveInline(InlineSubscription subscription)
    {
        lock (_gate)
        {
            _inline = [.. _inline.Where(s => s != subscription)];
        }
    }

    private void Remove(EventBuffer buffer)
    {
        lock (_gate)
        {
            _targets = [.. _targets.Where(b => b != buffer)];
        }

        buffer.Complete(null);
        buffer.Clear();
    }

    /// <summary>
    /// Writes what is left of the batch, waiting for room in full <see cref="EslOverflowPolicy.Wait"/> buffers: parked on
    /// the buffer's lock when <paramref name="blocking"/> (the caller is the connection's own read thread; the returned
    /// task is then already complete), otherwise asynchronously. False if the connection's end cut it short.
    /// </summary>
    private static async ValueTask<bool> WriteSlowAsync(EventBuffer[] targets, int t, int written, EventBuffer? skip, IReadOnlyList<object> batch, bool blocking, CancellationToken cancellationToken)
    {
        try
        {
            for (; t < targets.Length; t++, written = 0)
            {
                EventBuffer buffer = targets[t];
                if (buffer == skip)
                {
                    continue;
                }

                written = buffer.Write(batch, written);
                while (written < batch.Count)
                {
                    if (blocking)
                    {
                        buffer.WaitForSpace(cancellationToken);
                    }
                    else
                    {
                        await buffer.WaitForSpaceAsync(cancellationToken).ConfigureAwait(false);
                    }

                    written = buffer.Write(batch, written);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: what is left has nowhere to go.
            return false;
        }

        return true;
    }

    private void OnDropped(EventBuffer buffer, long count)
    {
        bool shared = buffer == _shared;
        _metrics.EventsDropped(count, shared ? "events" : "reader");

        // One warning per power of two (per buffer) keeps a flood visible without flooding the log.
        long total = buffer.Dropped;
        long before = total - count;
        if (before == 0 || BitLength(before) != BitLength(total))
        {
            if (shared)
            {
                Log.EventsDropped(_logger, total, buffer.Policy, buffer.Capacity);
            }
            else
            {
                Log.ReaderEventsDropped(_logger, total, buffer.Policy, buffer.Capacity, buffer.MaxBytes);
            }
        }
    }

    private static int BitLength(long value) => 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)value);

    /// <summary>Starts the dispatch thread once, unless the streams already ended (then nothing may be delivered).</summary>
    private void StartThread()
    {
        lock (_gate)
        {
            if (_loop is not null || _completed)
            {
                return;
            }

            // From now on the dispatch thread is the only one that calls subscribers (it waits for a batch still
            // being delivered inline first), so inline delivery ends here if nothing ended it before.
            Interlocked.Exchange(ref _inlineDelivery, InlineEnded);
            Volatile.Write(ref _loop, DedicatedThread.Start("ESL event dispatch", DispatchLoop, _logger));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DispatchLoop()
    {
        // Started once inline delivery ended: the batch a stalled read thread is still delivering goes first.
        _delivering.Wait();
        _delivering.Release();

        EventBuffer buffer = _shared;
        object?[] taken = new object?[64];
        while (buffer.WaitToRead())
        {
            // Everything queued is delivered before the thread parks again (one wake-up per batch at most), taken out
            // a few dozen at a time under one lock.
            int count;
            while ((count = buffer.TryReadMany(taken)) > 0)
            {
                for (int i = 0; i < count; i++)
                {
                    object? item = taken[i];
                    taken[i] = null;
                    Deliver(item is EslEvent e ? e.Deliver() : item);
                }
            }
        }
    }

    private async Task DispatchLoopAsync()
    {
        EventBuffer buffer = _shared;
        try
        {
            while (await buffer.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (buffer.TryRead(out object? item))
                {
                    Deliver(item);
                }
            }
        }
        catch (Exception)
        {
            // The buffer was completed with the connection's error: CompleteAsync passes it on to subscribers.
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Deliver(object? item)
    {
        try
        {
            switch (item)
            {
                case EslEvent e:
                    _events.OnNext(e);
                    break;
                case EslLogLine line:
                    _logs.OnNext(line);
                    break;
                case EslDisconnectNotice notice:
                    _notices.OnNext(notice);
                    break;
            }
        }
        catch (Exception ex)
        {
            // A subscriber's bug must not stop the stream for everyone else.
            Log.SubscriberFailed(_logger, ex);
        }
    }
}
