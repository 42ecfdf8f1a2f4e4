using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// One inline consumer (<see cref="IInlineEventSource"/>). A batch is delivered under this subscription's own
/// lock, so <see cref="Dispose"/> waits for a batch in progress and no event follows it (the consumer may tear
/// down its state right after). Uncontended, the lock costs one interlocked operation per batch.
/// </summary>
internal sealed class InlineSubscription : IDisposable
{
    private readonly Action<EslEvent> _onEvent;
    private readonly Action<InlineSubscription> _remove;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private bool _disposed;

    public InlineSubscription(Action<EslEvent> onEvent, Action<InlineSubscription> remove, ILogger logger)
    {
        _onEvent = onEvent;
        _remove = remove;
        _logger = logger;
    }

    /// <summary>
    /// Calls the consumer for every event of <paramref name="batch"/>, each copied out of the connection's shared
    /// chunk first (the batch still holds it, so the chunk is intact); a consumer that throws is logged and goes on
    /// getting the rest.
    /// </summary>
    public void Deliver(IReadOnlyList<object> batch)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            for (int i = 0; i < batch.Count; i++)
            {
                if (batch[i] is EslEvent e)
                {
                    try
                    {
                        // The consumer may keep the event (the controller posts a park to its session): it must own
                        // its bytes before it leaves the library's read path, as a buffer's consumer would on take.
                        e.TakeOwnership();
                        _onEvent(e);
                    }
                    catch (Exception ex)
                    {
                        Log.SubscriberFailed(_logger, ex);
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _remove(this);
    }
}
