using System.Runtime.CompilerServices;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// One consumer's queue between the socket's read loop and that consumer, bounded by a number of items AND
/// by the bytes of the events in it (an event's wire size). When full, the <see cref="EslOverflowPolicy"/>
/// applies and every drop is counted here, for this consumer only: a slow consumer loses its own events and
/// never delays or empties another's buffer.
/// </summary>
/// <remarks>
/// The writer hands over a whole batch (every frame cut from one socket read) under one lock and wakes a
/// waiting reader once per batch, not once per event. A writer held by <see cref="EslOverflowPolicy.Wait"/>
/// is woken only when the buffer has drained to half, so a full buffer does not ping-pong per event.
/// An event whose bytes still live in the connection's shared chunk is held by each buffer that queued it: it is
/// copied out when its consumer takes it (<see cref="TryRead"/>), and its hold is given back when it is dropped or cleared.
/// </remarks>
internal sealed class EventBuffer
{
    private readonly Queue<object> _items = new();
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly bool _eventsOnly;
    private readonly Action<EventBuffer, long> _onDropped;
    private long _bytes;
    private long _dropped;
    private long _unreported;
    private TaskCompletionSource<bool>? _readable;
    private TaskCompletionSource? _writable;
    private bool _threadParked;
    private bool _writerParked;

    // Set when DropNewest dropped an arrival while older events wait, until the buffer drains: what is queued meanwhile
    // is scattered through the stream, one event per receive chunk at worst, so it is copied out instead of keeping
    // a 256 KiB chunk each from reuse (the other policies keep a contiguous run of the stream, a few chunks at most).
    private bool _scattered;
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

    /// <summary>Items waiting now.</summary>
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

    /// <summary>Bytes of the events waiting now.</summary>
    public long Bytes
    {
        get
        {
            lock (_items)
            {
                return _bytes;
            }
        }
    }

    /// <summary>How many items were dropped since the last call (0 if none): the gap the consumer has not yet been told about.</summary>
    public long TakeGap() => Interlocked.Exchange(ref _unreported, 0);

    /// <summary>
    /// Writes <paramref name="batch"/> from <paramref name="from"/> on. Returns the index of the first item not
    /// written, which is below <c>batch.Count</c> only under <see cref="EslOverflowPolicy.Wait"/> with the buffer full.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                        _scattered = true;
                        continue;
                    }

                    while (_items.Count > 0 && !Fits(size))
                    {
                        object old = _items.Dequeue();
                        _bytes -= SizeOf(old);
                        (old as EslEvent)?.ReleaseHold();
                        dropped++;
                    }
                }

                if (item is EslEvent e)
                {
                    // Behind a gap, an event would keep its whole receive chunk from reuse on its own: it gets its own bytes.
                    if (_scattered)
                    {
                        e.TakeOwnership();
                    }

                    e.AddHold();
                }

                _items.Enqueue(item);
                _bytes += size;
            }

            if (_items.Count > 0)
            {
                if (_readable is not null)
                {
                    wake = _readable;
                    _readable = null;
                }

                // Decided under the lock the reader parked under, so a wake-up can never fall between its check and its wait.
                if (_threadParked)
                {
                    Monitor.PulseAll(_items);
                }
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

    /// <summary>
    /// Blocks the calling (dedicated) writer thread until the buffer has drained to half or was completed; only the
    /// <see cref="EslOverflowPolicy.Wait"/> writer calls this. It parks on the buffer's own lock, so the reader wakes it
    /// with a pulse, not a task continuation through the thread pool.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void WaitForSpace(CancellationToken cancellationToken)
    {
        using CancellationTokenRegistration wake = cancellationToken.Register(static state => ((EventBuffer)state!).PulseAll(), this);
        lock (_items)
        {
            while (!_completed && !HasRoom())
            {
                cancellationToken.ThrowIfCancellationRequested();
                _writerParked = true;
                try
                {
                    Monitor.Wait(_items);
                }
                finally
                {
                    _writerParked = false;
                }
            }
        }
    }

    /// <summary>
    /// Takes up to <c>into.Length</c> items under one lock (the dispatch thread drains a read's batch this way, not an
    /// item per lock). Events are not yet copied out: the caller hands over what <see cref="EslEvent.Deliver"/> returns
    /// for each just before it hands it over, so the copy is still in cache when the consumer reads it.
    /// </summary>
    /// <returns>How many items were taken.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int TryReadMany(object?[] into)
    {
        TaskCompletionSource? wake = null;
        int count = 0;
        lock (_items)
        {
            while (count < into.Length && _items.TryDequeue(out object? item))
            {
                _bytes -= SizeOf(item);
                into[count++] = item;
            }

            if (count > 0)
            {
                wake = Taken();
            }
        }

        wake?.TrySetResult();
        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(out object? item)
    {
        TaskCompletionSource? wake;
        lock (_items)
        {
            if (!_items.TryDequeue(out item))
            {
                return false;
            }

            _bytes -= SizeOf(item);
            wake = Taken();
        }

        wake?.TrySetResult();

        // Copied out of the connection's shared chunk (if it still lives there) before the consumer sees it.
        if (item is EslEvent e)
        {
            item = e.Deliver();
        }

        return true;
    }

    /// <summary>True when an item can be read; false once the buffer is completed and empty (then the error, if any, is thrown).</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
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

            _readable ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _readable.Task;
        }

        return new ValueTask<bool>(WaitAsync(wait, cancellationToken));
    }

    /// <summary>
    /// Blocks the calling (dedicated) thread until an item can be read: true then, false once the buffer is
    /// completed and empty. Only one thread may wait this way; it parks on the buffer's own lock, so a writer
    /// wakes it with a pulse and no thread-pool work item.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool WaitToRead()
    {
        lock (_items)
        {
            while (_items.Count == 0)
            {
                if (_completed)
                {
                    return false;
                }

                _threadParked = true;
                try
                {
                    Monitor.Wait(_items);
                }
                finally
                {
                    _threadParked = false;
                }
            }

            return true;
        }
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
            if (_threadParked || _writerParked)
            {
                Monitor.PulseAll(_items);
            }

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
        object[] dropped;
        lock (_items)
        {
            dropped = _items.ToArray();
            _items.Clear();
            _bytes = 0;
            _scattered = false;
        }

        foreach (object item in dropped)
        {
            (item as EslEvent)?.ReleaseHold();
        }
    }

    /// <summary>
    /// After items were taken (under the lock): a drained buffer is no longer scattered, and a writer waiting for room
    /// is woken once the buffer is down to half (a parked thread now; the returned task's waiter once outside the lock).
    /// </summary>
    private TaskCompletionSource? Taken()
    {
        _scattered &= _items.Count > 0;
        if (!HasRoom())
        {
            return null;
        }

        if (_writerParked)
        {
            Monitor.PulseAll(_items);
        }

        TaskCompletionSource? wake = _writable;
        _writable = null;
        return wake;
    }

    private void PulseAll()
    {
        lock (_items)
        {
            Monitor.PulseAll(_items);
        }
    }

    private static long SizeOf(object? item) => item is EslEvent e ? e.WireSize : 0;

    private async Task<bool> WaitAsync(Task<bool> wait, CancellationToken cancellationToken)
    {
        await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await WaitToReadAsync(cancellationToken).ConfigureAwait(false);
    }

    // An empty buffer always takes one item, so an event larger than the byte bound is delayed, never lost.
    private bool Fits(long size) => _items.Count == 0 || (_items.Count < _capacity && _bytes + size <= _maxBytes);

    private bool HasRoom() => _items.Count <= _capacity / 2 && _bytes <= _maxBytes / 2;
}
