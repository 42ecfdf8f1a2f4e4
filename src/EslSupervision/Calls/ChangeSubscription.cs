using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Calls;

/// <summary>
/// One subscriber of <see cref="ChangeFeed"/>: a bounded queue filled by the registry's writer and drained, in
/// order, by a delivery loop that runs on the thread pool only while there is something to deliver.
/// </summary>
/// <remarks>
/// Every queued batch carries the registry's state after it, so the loop always knows the last state this
/// subscriber was told about. When the queue overflows, its changes are replaced by one catch-up to the state of
/// that moment (<see cref="ChangeCatchUp"/>); at most <see cref="ChangeFeed.Capacity"/> changes wait, plus the
/// batch being delivered.
/// </remarks>
internal sealed partial class ChangeSubscription : IDisposable, IThreadPoolWorkItem
{
    private readonly object _gate = new();
    private readonly Queue<Item> _queue = new();
    private readonly IObserver<CallChange> _observer;
    private readonly ChangeFeed _feed;
    private ImmutableDictionary<string, CallLeg> _seen;
    private int _waiting;
    private long _lostSinceCatchUp;
    private bool _scheduled;
    private bool _completed;
    private volatile bool _disposed;

    public ChangeSubscription(IObserver<CallChange> observer, ImmutableDictionary<string, CallLeg> current, ChangeFeed feed)
    {
        _observer = observer;
        _seen = current;
        _feed = feed;
    }

    public void Enqueue(CallChange[] batch, ImmutableDictionary<string, CallLeg> state)
    {
        lock (_gate)
        {
            if (_completed || _disposed)
            {
                return;
            }

            if (_waiting + batch.Length > _feed.Capacity)
            {
                // Fell behind: what waits (and this batch) is replaced by one catch-up to the state now. Barriers
                // stay, after it (they only promise that everything before them has been handed over).
                long lost = _waiting + batch.Length;
                var barriers = _queue.Where(i => i.Barrier is not null).ToList();
                _queue.Clear();
                _queue.Enqueue(new Item(null, state, null, CatchUp: true));
                foreach (Item barrier in barriers)
                {
                    _queue.Enqueue(barrier);
                }

                _waiting = 0;
                _lostSinceCatchUp += lost;
                ChangeFeed.CountLost(lost);
            }
            else
            {
                _queue.Enqueue(new Item(batch, state, null, CatchUp: false));
                _waiting += batch.Length;
            }

            Schedule();
        }
    }

    public Task Barrier()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_disposed || (_completed && !_scheduled && _queue.Count == 0))
            {
                done.TrySetResult();
                return done.Task;
            }

            _queue.Enqueue(new Item(null, null, done, CatchUp: false));
            Schedule();
        }

        return done.Task;
    }

    public void Complete()
    {
        lock (_gate)
        {
            if (_completed || _disposed)
            {
                return;
            }

            _completed = true;
            _queue.Enqueue(new Item(null, null, null, CatchUp: false));
            Schedule();
        }
    }

    public void Dispose()
    {
        List<Item> dropped;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            dropped = [.. _queue];
            _queue.Clear();
        }

        foreach (Item item in dropped)
        {
            item.Barrier?.TrySetResult();
        }

        _feed.Remove(this);
    }

    /// <summary>The delivery loop: drains the queue, then stops until the next enqueue schedules it again.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            Item[] items;
            long lost;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _scheduled = false;
                    return;
                }

                items = [.. _queue];
                _queue.Clear();
                _waiting = 0;
                lost = _lostSinceCatchUp;
                _lostSinceCatchUp = 0;
            }

            foreach (Item item in items)
            {
                Deliver(item, ref lost);
            }
        }
    }

    private void Schedule()
    {
        if (!_scheduled)
        {
            _scheduled = true;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private void Deliver(Item item, ref long lost)
    {
        if (item.Barrier is { } barrier)
        {
            barrier.TrySetResult();
            return;
        }

        if (_disposed)
        {
            return;
        }

        if (item.State is null)
        {
            _observer.OnCompleted();
            return;
        }

        if (item.CatchUp)
        {
            List<CallChange> catchUp = ChangeCatchUp.Between(_seen, item.State, _feed.Now());
            LogCaughtUp(_feed.Logger, lost, catchUp.Count, _feed.Capacity);
            lost = 0;
            Notify(catchUp);
        }
        else
        {
            Notify(item.Changes!);
        }

        _seen = item.State;
    }

    private void Notify(IReadOnlyList<CallChange> changes)
    {
        for (int i = 0; i < changes.Count && !_disposed; i++)
        {
            try
            {
                _observer.OnNext(changes[i]);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A throwing subscriber must not stop its own later notifications, nor anybody else's.
                LogSubscriberFailed(_feed.Logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "A call-change subscriber fell more than {Capacity} changes behind: {Lost} changes were replaced by a catch-up of {CatchUp} changes to the registry's current state")]
    private static partial void LogCaughtUp(ILogger logger, long lost, int catchUp, int capacity);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "A subscriber to call changes threw")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);

    /// <summary>A batch with the state after it; a catch-up to <paramref name="State"/>; a barrier; or the end (all null).</summary>
    private sealed record Item(CallChange[]? Changes, ImmutableDictionary<string, CallLeg>? State, TaskCompletionSource? Barrier, bool CatchUp);
}
