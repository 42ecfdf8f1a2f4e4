namespace EslSupervision.EventSocket.Client;

/// <summary>
/// A connection that can hand its events to a library-internal consumer synchronously, on the socket's read loop,
/// before any buffer: no thread hop and no buffer to overflow. Only for consumers that run library code that never
/// blocks and never waits for I/O (the supervision controller's intake applies the event to its registry and posts
/// work to queues): a consumer that blocks stalls the whole connection, and FreeSWITCH drops a listener that falls
/// far enough behind. Application code gets <see cref="IEslConnection.Events"/> or a reader, each with its own buffer.
/// </summary>
internal interface IInlineEventSource
{
    /// <summary>
    /// Calls <paramref name="onEvent"/> for every event from now on, in arrival order, on the thread that reads the
    /// socket; an exception it throws is logged and goes no further. Disposing the result returns only once no call
    /// is in progress, and no call follows.
    /// </summary>
    /// <param name="onEvent">The consumer.</param>
    /// <param name="lend">
    /// <see langword="false"/>: each event owns its bytes (copied out of the connection's shared chunk) before the
    /// call, so the consumer may keep any of them. <see langword="true"/>: events are lent for the call only, with no
    /// copy; a consumer that keeps one beyond the call must call <see cref="EslEvent.TakeOwnership"/> on it during
    /// the call. An event kept without that is released once the read loop is done with it: reading its headers
    /// then throws <see cref="InvalidOperationException"/>, so such a bug fails loudly and never reads another
    /// event's bytes.
    /// </param>
    IDisposable SubscribeInline(Action<EslEvent> onEvent, bool lend);
}
