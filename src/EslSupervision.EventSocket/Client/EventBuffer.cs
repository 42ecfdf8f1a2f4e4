namespace EslSupervision.EventSocket.Client;

/// <summary>
/// One consumer's queue between the socket's read loop and that consumer, bounded by a number of items AND
/// by the bytes of the events in it (an event's wire size). When full, the <see cref="EslOverflowPolicy"/>
/// applies and every drop is counted here, for this consumer only: a slow consumer loses its own events and
/// never delays or empties another's buffer.
/// </summary>
/// <remarks>
/// The writer hands over a whole batch (every frame cut from one socket read) under one lock and wakes a
/// parked reader once per batch, not once per event. A batch reader (<see cref="TakeAll"/>) takes everything
/// queued under one lock; what it took still counts against the bounds until it calls <see cref="Release"/>,
/// so the buffer plus the reader's batch never hold more than the bounds. Before parking, a reader spins
/// briefly: at wire speed the next batch is usually microseconds away, and a park costs a context switch.
/// A writer held by <see cref="EslOverflowPolicy.Wait"/> is woken only when the buffer has drained to half,
/// so a full buffer does not ping-pong per event.
/// <para>No lost wake-up: "empty → park" (the reader registers its waiter) and "enqueue → wake" (the writer
/// takes the waiter) both happen under the same lock, so the writer either sees the waiter or the reader sees
/// the item; the spin only reads a volatile hint and decides nothing. The same holds for the Wait writer's
/// "full → park" against the reader's "drained → wake".</para>
/// </remarks>
internal sealed class EventBuffer
{
    /// <summary>How long a reader spins for the next batch before it parks (about 20 µs).</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 50_000;

    private readonly Queue<object> _items = new();
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly bool _eventsOnly;
    private readonly Action<EventBuffer, long> _onDropped;
    /// <summary>Bytes of the events held: queued plus taken by <see cref="TakeAll"/> and not yet released.</summary>
    private long _bytes;

    /// <summary>Items taken by <see cref="TakeAll"/> and not yet released: they still count against the bounds.</summary>
    private int _inFlight;
    private long _inFlightBytes;

    /// <summary>
    /// Of the taken batch, how many items (and bytes) the reader has started to deliver (<see cref="Delivering"/>):
    /// like an item read alone, the one being delivered and those before it no longer count. Written only by the
    /// reader, without the lock; read by writers under it (a stale value only counts an item as held a bit longer).
    /// </summary>
    private long _started;
    private long _startedBytes;

    /// <summary>Lock-free hint of the queue's length, read only by the spin before parking.</summary>
    private volatile int _queued;
    private long _dropped;
    private long _unreported;
    private TaskCompletionSource<bool>? _readable;
    private TaskCompletionSource? _writable;
    private bool _completed;
    private Exception? _error;

    /// <param name="capacity">Most items held.</param>
    /// <param name="maxBytes">Most event bytes held; one event larger than this is still taken when the buffer is empty.</param>
    /// <param name="policy">What happens when full.</param>
    /// <param name="eventsOnly">Takes only <see cref="EslEvent"/> items (a reader); otherwise log lines and notices too.</param>
    /// <param name="onDropped">Told, outside the lock, how many items a write dropped.</param>
    public EventBuffer(int capacity, long maxBytes, EslOverflowPolicy policy, bool eventsOnly, Action<EventBuffer, long> onDropped)
    {
        _capacity = capacity;
        _maxBytes = maxBytes;
        Policy = policy;
        _eventsOnly = eventsOnly;
        _onDropped = onDropped;
    }

    public EslOverflowPolicy Policy { get; }

    public int Capacity => _capacity;

    public long MaxBytes => _maxBytes;

    /// <summary>Items dropped so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Items waiting now (not counting a batch a reader has taken and is still delivering).</summary>
    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Bytes of the events held now (waiting, or taken and not yet being delivered).</summary>
    public long Bytes
    {
        get
        {
            lock (_items)
            {
                return HeldBytes;
            }
        }
    }

    /// <summary>How many items were dropped since the last call (0 if none): the gap the consumer has not yet been told about.</summary>
    public long TakeGap() => Interlocked.Exchange(ref _unreported, 0);

    /// <summary>
    /// Writes <paramref name="batch"/> from <paramref name="from"/> on. Returns the index of the first item not
    /// written, which is below <c>batch.Count</c> only under <see cref="EslOverflowPolicy.Wait"/> with the buffer full.
    /// </summary>
    public int Write(IReadOnlyList<object> batch, int from)
    {
        TaskCompletionSource<bool>? wake = null;
        long dropped = 0;
        int i = from;
        lock (_items)
        {
            if (_completed)
            {
                return batch.Count;
            }

            for (; i < batch.Count; i++)
            {
                object item = batch[i];
                if (_eventsOnly && item is not EslEvent)
                {
                    continue;
                }

                long size = SizeOf(item);
                if (!Fits(size))
                {
                    if (Policy == EslOverflowPolicy.Wait)
                    {
                        break;
                    }

                    if (Policy == EslOverflowPolicy.DropNewest)
                    {
                        dropped++;
                        continue;
                    }

                    // Only queued items can go; a batch a reader is delivering is no longer the buffer's to drop.
                    while (_items.Count > 0 && !Fits(size))
                    {
                        _bytes -= SizeOf(_items.Dequeue());
                        dropped++;
                    }
                }

                _items.Enqueue(item);
                _bytes += size;
            }

            _queued = _items.Count;
            if (_items.Count > 0 && _readable is not null)
            {
                wake = _readable;
                _readable = null;
            }

            if (dropped > 0)
            {
                Interlocked.Add(ref _dropped, dropped);
                Interlocked.Add(ref _unreported, dropped);
            }
        }

        wake?.TrySetResult(true);
        if (dropped > 0)
        {
            _onDropped(this, dropped);
        }

        return i;
    }

    /// <summary>Waits until the buffer has drained to half (or was completed); only the <see cref="EslOverflowPolicy.Wait"/> writer calls this.</summary>
    public Task WaitForSpaceAsync(CancellationToken cancellationToken)
    {
        lock (_items)
        {
            if (_completed || HasRoom())
            {
                return Task.CompletedTask;
            }

            _writable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _writable.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Takes one item; it stops counting against the bounds at once.</summary>
    public bool TryRead(out object? item)
    {
        TaskCompletionSource? wake;
        lock (_items)
        {
            if (!_items.TryDequeue(out item))
            {
                return false;
            }

            _queued = _items.Count;
            _bytes -= SizeOf(item);
            wake = TakeWritableIfRoom();
        }

        wake?.TrySetResult();
        return true;
    }

    /// <summary>
    /// Moves every queued item into <paramref name="into"/> under one lock. They keep counting against the bounds
    /// until the reader starts delivering each (<see cref="Delivering"/>); <see cref="Release"/> ends the batch.
    /// </summary>
    public void TakeAll(List<object> into)
    {
        lock (_items)
        {
            while (_items.TryDequeue(out object? item))
            {
                into.Add(item);
                _inFlight++;
                _inFlightBytes += SizeOf(item);
            }

            _queued = 0;
        }
    }

    /// <summary>The reader starts delivering <paramref name="item"/> of the batch it took: from now on it no longer counts.</summary>
    public void Delivering(object item)
    {
        Volatile.Write(ref _startedBytes, _startedBytes + SizeOf(item));
        Volatile.Write(ref _started, _started + 1);

        // Early wake of a Wait writer once half is free; if this racy look misses one, Release wakes it under the lock.
        if (Volatile.Read(ref _writable) is not null)
        {
            TaskCompletionSource? wake;
            lock (_items)
            {
                wake = TakeWritableIfRoom();
            }

            wake?.TrySetResult();
        }
    }

    /// <summary>The batch taken by <see cref="TakeAll"/> was delivered: none of its items counts any more.</summary>
    public void Release()
    {
        TaskCompletionSource? wake;
        lock (_items)
        {
            _bytes -= _inFlightBytes;
            _inFlight = 0;
            _inFlightBytes = 0;
            Volatile.Write(ref _startedBytes, 0);
            Volatile.Write(ref _started, 0);
            wake = TakeWritableIfRoom();
        }

        wake?.TrySetResult();
    }

    /// <summary>True when an item can be read; false once the buffer is completed and empty (then the error, if any, is thrown).</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (_queued == 0)
        {
            SpinForItems();
        }

        Task<bool> wait;
        lock (_items)
        {
            if (_items.Count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return _error is null ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_error);
            }

            // Registered under the lock a writer enqueues under: it will see this waiter, or we saw its items.
            _readable ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _readable.Task;
        }

        return new ValueTask<bool>(WaitAsync(wait, cancellationToken));
    }

    /// <summary>No more writes; readers drain what is buffered, then see the end (and <paramref name="error"/>, if any).</summary>
    public void Complete(Exception? error)
    {
        TaskCompletionSource<bool>? readable;
        TaskCompletionSource? writable;
        lock (_items)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _error = error;
            readable = _readable;
            writable = _writable;
            _readable = null;
            _writable = null;
        }

        readable?.TrySetResult(true);
        writable?.TrySetResult();
    }

    /// <summary>Drops everything buffered (a reader that is disposed).</summary>
    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
            _queued = 0;
            _bytes = 0;
            _inFlight = 0;
            _inFlightBytes = 0;
            Volatile.Write(ref _started, 0);
            Volatile.Write(ref _startedBytes, 0);
        }
    }

    private static long SizeOf(object? item) => item is EslEvent e ? e.WireSize : 0;

    private async Task<bool> WaitAsync(Task<bool> wait, CancellationToken cancellationToken)
    {
        await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await WaitToReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Spins for a few microseconds waiting for a writer: while events stream in, the next batch usually lands
    /// within that time, and parking would cost a thread-pool wake-up and a context switch per batch. Bounded
    /// by time (not iterations) and yielding, so a quiet connection costs next to nothing and a busy 2-core
    /// machine still runs the writer.
    /// </summary>
    private void SpinForItems()
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
        var spin = default(SpinWait);
        while (_queued == 0 && !Volatile.Read(ref _completed))
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() >= until)
            {
                return;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private TaskCompletionSource? TakeWritableIfRoom()
    {
        if (_writable is null || !HasRoom())
        {
            return null;
        }

        TaskCompletionSource wake = _writable;
        _writable = null;
        return wake;
    }

    // Queued, plus taken and not yet being delivered. Only under the lock.
    private long Held => _items.Count + _inFlight - Volatile.Read(ref _started);

    private long HeldBytes => _bytes - Volatile.Read(ref _startedBytes);

    // An empty buffer always takes one item, so an event larger than the byte bound is delayed, never lost.
    private bool Fits(long size) => Held == 0 || (Held < _capacity && HeldBytes + size <= _maxBytes);

    private bool HasRoom() => Held <= _capacity / 2 && HeldBytes <= _maxBytes / 2;
}
