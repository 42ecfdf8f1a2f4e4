using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Threading.Channels;
using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// Decouples the socket's read loop from subscribers: the read loop hands events to a bounded buffer and
/// goes on; one dispatch loop drains it and notifies subscribers one event at a time (the Rx contract).
/// When the buffer is full the configured <see cref="EslOverflowPolicy"/> applies, and every drop is counted.
/// </summary>
internal sealed class EventDispatcher : IAsyncDisposable
{
    private readonly Channel<object> _channel;
    private readonly Subject<EslEvent> _events = new();
    private readonly Subject<EslLogLine> _logs = new();
    private readonly Subject<EslDisconnectNotice> _notices = new();
    private readonly EslOverflowPolicy _policy;
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly EslMetrics _metrics;
    private readonly Task _loop;
    private long _dropped;

    public EventDispatcher(int capacity, EslOverflowPolicy policy, ILogger logger, EslMetrics metrics)
    {
        _capacity = capacity;
        _policy = policy;
        _logger = logger;
        _metrics = metrics;
        var options = new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = policy switch
            {
                EslOverflowPolicy.DropNewest => BoundedChannelFullMode.DropWrite,
                EslOverflowPolicy.Wait => BoundedChannelFullMode.Wait,
                _ => BoundedChannelFullMode.DropOldest,
            },
        };
        _channel = Channel.CreateBounded<object>(options, OnDropped);
        _loop = Task.Run(DispatchLoopAsync);
    }

    public IObservable<EslEvent> Events => _events.AsObservable();

    public IObservable<EslLogLine> Logs => _logs.AsObservable();

    public IObservable<EslDisconnectNotice> DisconnectNotices => _notices.AsObservable();

    /// <summary>How many events were dropped because subscribers fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>How many items wait for subscribers right now.</summary>
    public int Pending => _channel.Reader.Count;

    /// <summary>Hands an item to subscribers. Completes at once unless the policy is <see cref="EslOverflowPolicy.Wait"/> and the buffer is full.</summary>
    public ValueTask PublishAsync(object item, CancellationToken cancellationToken)
    {
        if (_channel.Writer.TryWrite(item))
        {
            return ValueTask.CompletedTask;
        }

        return _policy == EslOverflowPolicy.Wait
            ? WriteSlowAsync(item, cancellationToken)
            : ValueTask.CompletedTask;
    }

    /// <summary>Ends the streams after every buffered item has been delivered: OnCompleted, or OnError with <paramref name="error"/>.</summary>
    public async Task CompleteAsync(Exception? error)
    {
        if (_channel.Writer.TryComplete())
        {
            await _loop.ConfigureAwait(false);
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
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync(null).ConfigureAwait(false);
        _events.Dispose();
        _logs.Dispose();
        _notices.Dispose();
    }

    private async ValueTask WriteSlowAsync(object item, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // Shutting down: the item has nowhere to go.
        }
    }

    private void OnDropped(object item)
    {
        long dropped = Interlocked.Increment(ref _dropped);
        _metrics.EventDropped();

        // One warning per power of two keeps a flood visible without flooding the log.
        if ((dropped & (dropped - 1)) == 0)
        {
            Log.EventsDropped(_logger, dropped, _policy, _capacity);
        }
    }

    private async Task DispatchLoopAsync()
    {
        ChannelReader<object> reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out object? item))
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
    }
}
