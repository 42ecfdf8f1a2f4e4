using System.Threading.Channels;

namespace EslSupervision.Control;

/// <summary>
/// The <see cref="SupervisionController.Audit"/> observable: every subscriber gets its own bounded queue and its
/// own delivery loop, so a subscriber that throws or blocks affects only itself and never the decision that
/// published the entry. Entries arrive in publishing order; a full queue drops new entries for that subscriber only.
/// </summary>
internal sealed class AuditStream : IObservable<SupervisionAuditEvent>
{
    private readonly int _capacity;
    private readonly AuditTelemetry _telemetry;
    private Subscriber[] _subscribers = [];
    private bool _completed;

    public AuditStream(int capacity, AuditTelemetry telemetry)
    {
        _capacity = capacity;
        _telemetry = telemetry;
    }

    public IDisposable Subscribe(IObserver<SupervisionAuditEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var subscriber = new Subscriber(this, observer);
        lock (this)
        {
            if (_completed)
            {
                subscriber.Complete();
                return subscriber;
            }

            _subscribers = [.. _subscribers, subscriber];
        }

        return subscriber;
    }

    /// <summary>Queues an entry for every subscriber; never blocks and never throws.</summary>
    public void Publish(SupervisionAuditEvent entry)
    {
        foreach (Subscriber subscriber in Volatile.Read(ref _subscribers))
        {
            if (!subscriber.TryWrite(entry))
            {
                _telemetry.Overflow("subscriber");
            }
        }
    }

    /// <summary>Each subscriber gets what was queued for it, then <c>OnCompleted</c>.</summary>
    public void Complete()
    {
        Subscriber[] subscribers;
        lock (this)
        {
            _completed = true;
            subscribers = _subscribers;
            _subscribers = [];
        }

        foreach (Subscriber subscriber in subscribers)
        {
            subscriber.Complete();
        }
    }

    private void Remove(Subscriber subscriber)
    {
        lock (this)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscriber)];
        }
    }

    private sealed class Subscriber : IDisposable
    {
        private readonly AuditStream _owner;
        private readonly IObserver<SupervisionAuditEvent> _observer;
        private readonly Channel<SupervisionAuditEvent> _queue;
        private volatile bool _disposed;

        public Subscriber(AuditStream owner, IObserver<SupervisionAuditEvent> observer)
        {
            _owner = owner;
            _observer = observer;
            _queue = Channel.CreateBounded<SupervisionAuditEvent>(new BoundedChannelOptions(owner._capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
            _ = Task.Run(PumpAsync);
        }

        public bool TryWrite(SupervisionAuditEvent entry) => _queue.Writer.TryWrite(entry);

        public void Complete() => _queue.Writer.TryComplete();

        public void Dispose()
        {
            _disposed = true;
            _owner.Remove(this);
            _queue.Writer.TryComplete();
        }

        private async Task PumpAsync()
        {
            // The loop catches everything: a subscriber's exception is counted, logged and isolated here.
            await foreach (SupervisionAuditEvent entry in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (_disposed)
                {
                    return;
                }

                try
                {
                    _observer.OnNext(entry);
                }
                catch (Exception ex)
                {
                    _owner._telemetry.SubscriberFailed(ex);
                }
            }

            if (!_disposed)
            {
                try
                {
                    _observer.OnCompleted();
                }
                catch (Exception ex)
                {
                    _owner._telemetry.SubscriberFailed(ex);
                }
            }
        }
    }
}
