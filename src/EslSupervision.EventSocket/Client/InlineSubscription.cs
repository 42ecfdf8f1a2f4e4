using System.Runtime.CompilerServices;
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
    private readonly bool _lend;
    private readonly object _gate = new();
    private bool _disposed;

    public InlineSubscription(Action<EslEvent> onEvent, Action<InlineSubscription> remove, ILogger logger, bool lend)
    {
        _onEvent = onEvent;
        _remove = remove;
        _logger = logger;
        _lend = lend;
    }

    /// <summary>
    /// Calls the consumer for every event of <paramref name="batch"/>, each copied out of the connection's shared
    /// chunk first unless the subscription lends them (the batch still holds the chunk either way, so it is intact
    /// during the call); a consumer that throws is logged and goes on getting the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                        // A consumer that may keep any event gets it with its own bytes, as a buffer's consumer would
                        // on take. A lending consumer reads most events and keeps few, and copies out those it keeps.
                        if (!_lend)
                        {
                            e.TakeOwnership();
                        }

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
