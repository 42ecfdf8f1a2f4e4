using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using EslSupervision.EventSocket.Client;

namespace EslSupervision.EventSocket;

/// <summary>
/// A pull subscription to a connection's events (<see cref="IEslConnection.CreateEventReader"/>) with its own
/// bounded buffer, bounded by a number of events and by their bytes. A slow reader loses only its own events
/// (counted in <see cref="Dropped"/>, reported once by <see cref="TakeGap"/>); it never delays the connection,
/// the <see cref="IEslConnection.Events"/> subscribers or another reader, and they never delay it.
/// </summary>
/// <remarks>
/// Events are read in arrival order by one consumer at a time. The reader ends when the connection closes for
/// good (after the buffered events, with the connection's error if it failed) or when it is disposed. Events
/// are immutable: keeping one after it was read is safe and costs about its wire size.
/// </remarks>
public sealed class EslEventReader : IAsyncDisposable
{
    private readonly EventBuffer _buffer;
    private readonly Action<EventBuffer>? _remove;
    private IDisposable? _source;
    private int _disposed;

    internal EslEventReader(EventBuffer buffer, Action<EventBuffer>? remove)
    {
        _buffer = buffer;
        _remove = remove;
    }

    /// <summary>How many events this reader's buffer dropped because it fell behind (see <see cref="EslEventReaderOptions.OverflowPolicy"/>).</summary>
    public long Dropped => _buffer.Dropped;

    /// <summary>How many events wait to be read now.</summary>
    public int Count => _buffer.Count;

    /// <summary>
    /// Creates a reader fed by an observable of events, with its own buffer: for implementations of
    /// <see cref="IEslConnection"/> that are not connections (test doubles, adapters).
    /// </summary>
    /// <param name="events">The events to buffer; its completion or error ends the reader.</param>
    /// <param name="options">The buffer's bounds and overflow policy; defaults when <see langword="null"/>.</param>
    /// <returns>A reader subscribed to <paramref name="events"/> until it is disposed.</returns>
    public static EslEventReader FromObservable(IObservable<EslEvent> events, EslEventReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var defaults = new EslClientOptions();
        var buffer = new EventBuffer(
            options?.Capacity ?? defaults.EventBufferCapacity,
            options?.MaxBytes ?? defaults.EventBufferMaxBytes,
            options?.OverflowPolicy ?? defaults.OverflowPolicy,
            eventsOnly: true,
            static (_, _) => { });
        var reader = new EslEventReader(buffer, null);
        reader._source = events.Subscribe(new Feeder(buffer));
        return reader;
    }

    /// <summary>
    /// How many events were dropped since the last call (0 if none), and forgets them: a consumer that keeps
    /// state from events checks it after reading to learn that its state may be stale and must be rebuilt.
    /// </summary>
    public long TakeGap() => _buffer.TakeGap();

    /// <summary>Takes the next buffered event without waiting.</summary>
    /// <param name="item">The event, when one was buffered.</param>
    /// <returns><see langword="true"/> if an event was taken.</returns>
    public bool TryRead([NotNullWhen(true)] out EslEvent? item)
    {
        if (_buffer.TryRead(out object? next))
        {
            item = (EslEvent)next!;
            return true;
        }

        item = null;
        return false;
    }

    /// <summary>Waits until an event can be read.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns><see langword="false"/> when the reader has ended and every event was read.</returns>
    /// <exception cref="EslException">The connection failed for good; thrown once every buffered event was read.</exception>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => _buffer.WaitToReadAsync(cancellationToken);

    /// <summary>Every event, in arrival order, until the reader ends.</summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <exception cref="EslException">The connection failed for good; thrown once every buffered event was read.</exception>
    public async IAsyncEnumerable<EslEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _buffer.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (TryRead(out EslEvent? item))
            {
                yield return item;
            }
        }
    }

    /// <summary>Stops buffering: the reader ends, buffered events are released.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _source?.Dispose();
            if (_remove is null)
            {
                _buffer.Complete(null);
                _buffer.Clear();
            }
            else
            {
                _remove(_buffer);
            }
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Feeder(EventBuffer buffer) : IObserver<EslEvent>
    {
        public void OnNext(EslEvent value)
        {
            EslEvent[] one = [value];
            while (buffer.Write(one, 0) == 0)
            {
                // Wait policy and full: hold the producer, as a connection stops reading its socket.
                buffer.WaitForSpaceAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
        }

        public void OnError(Exception error) => buffer.Complete(error);

        public void OnCompleted() => buffer.Complete(null);
    }
}
