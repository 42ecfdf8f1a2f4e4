using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Calls;

/// <summary>
/// <see cref="ICallRegistry.Changes"/> of the <see cref="CallRegistry"/>: every subscriber gets its own bounded
/// queue and its own delivery loop on the thread pool, so applying an event only enqueues (it never waits for, nor
/// runs, a subscriber) and a slow subscriber holds up nobody but itself. The controller applies events on the
/// socket's read loop; a subscriber that blocked it would stop the whole connection.
/// </summary>
/// <remarks>
/// A subscriber that falls more than <see cref="Capacity"/> changes behind loses its queued changes and gets a
/// catch-up instead: the differences between the last state it was told about and the registry's state at that
/// moment, as ordinary changes (like the changes after a reconnect's resync). It therefore never ends up wrong,
/// only told in fewer, coarser steps; the loss is logged and counted (<c>esl_supervision.registry.changes_lost</c>).
/// </remarks>
internal sealed class ChangeFeed : IObservable<CallChange>
{
    /// <summary>The default number of changes one subscriber may have waiting before it is caught up instead.</summary>
    public const int DefaultCapacity = 4096;

    private static readonly Counter<long> Lost = EslTelemetry.GetMeter(null).CreateCounter<long>(
        "esl_supervision.registry.changes_lost", "{change}", "Call changes a slow ICallRegistry.Changes subscriber skipped (it was caught up with the differences instead).");

    private readonly object _registryGate;
    private readonly Func<ImmutableDictionary<string, CallLeg>> _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private ChangeSubscription[] _subscribers = [];
    private bool _completed;

    /// <param name="registryGate">The registry's write lock: a subscription starts between two applied events.</param>
    /// <param name="state">The registry's state now (read under <paramref name="registryGate"/>).</param>
    /// <param name="capacity">How many changes one subscriber may have waiting.</param>
    /// <param name="time">The clock for catch-up changes.</param>
    /// <param name="logger">The registry's logger.</param>
    public ChangeFeed(object registryGate, Func<ImmutableDictionary<string, CallLeg>> state, int capacity, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _registryGate = registryGate;
        _state = state;
        Capacity = capacity;
        _time = time;
        _logger = logger;
    }

    /// <summary>How many changes one subscriber may have waiting before it is caught up instead.</summary>
    public int Capacity { get; }

    /// <summary>True if anybody listens (the registry skips building a batch otherwise).</summary>
    public bool HasSubscribers => Volatile.Read(ref _subscribers).Length > 0;

    public IDisposable Subscribe(IObserver<CallChange> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_registryGate)
        {
            if (!_completed)
            {
                var subscription = new ChangeSubscription(observer, _state(), this);
                _subscribers = [.. _subscribers, subscription];
                return subscription;
            }
        }

        // The registry is disposed: nothing will change any more (told outside the lock, like every notification).
        observer.OnCompleted();
        return System.Reactive.Disposables.Disposable.Empty;
    }

    /// <summary>Queues one applied event's changes for every subscriber. Call under the registry's write lock.</summary>
    /// <param name="changes">The changes, in order.</param>
    /// <param name="state">The registry's state once they are applied.</param>
    public void Publish(List<CallChange> changes, ImmutableDictionary<string, CallLeg> state)
    {
        ChangeSubscription[] subscribers = Volatile.Read(ref _subscribers);
        if (changes.Count == 0 || subscribers.Length == 0)
        {
            return;
        }

        CallChange[] batch = [.. changes];
        foreach (ChangeSubscription subscriber in subscribers)
        {
            subscriber.Enqueue(batch, state);
        }
    }

    /// <summary>Ends every subscription once its queue is delivered. Call under the registry's write lock.</summary>
    public void Complete()
    {
        _completed = true;
        foreach (ChangeSubscription subscriber in _subscribers)
        {
            subscriber.Complete();
        }
    }

    /// <summary>Completes once every subscriber has been handed every change published before the call.</summary>
    public Task WhenDeliveredAsync() => Task.WhenAll(Volatile.Read(ref _subscribers).Select(s => s.Barrier()));

    internal void Remove(ChangeSubscription subscription)
    {
        lock (_registryGate)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscription)];
        }
    }

    internal static void CountLost(long count) => Lost.Add(count);

    internal DateTimeOffset Now() => _time.GetUtcNow();

    internal ILogger Logger => _logger;
}
