using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket.Diagnostics;

/// <summary>
/// Every log line of the Event Socket layer, source-generated, with stable event ids (1000-1999).
/// Passwords are never a parameter; UUIDs and numbers only at Debug.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Connected to FreeSWITCH at {Endpoint}.")]
    public static partial void Connected(ILogger logger, string endpoint);

    [LoggerMessage(1001, LogLevel.Warning, "Connection to FreeSWITCH at {Endpoint} lost; reconnecting in {DelayMs} ms (attempt {Attempt}).")]
    public static partial void Reconnecting(ILogger logger, string endpoint, double delayMs, int attempt, Exception? reason);

    [LoggerMessage(1002, LogLevel.Information, "Reconnected to FreeSWITCH at {Endpoint}; {Subscriptions} subscriptions and {Filters} filters restored.")]
    public static partial void Reconnected(ILogger logger, string endpoint, int subscriptions, int filters);

    [LoggerMessage(1003, LogLevel.Warning, "Reconnection attempt {Attempt} to {Endpoint} failed.")]
    public static partial void ReconnectFailed(ILogger logger, int attempt, string endpoint, Exception error);

    [LoggerMessage(1004, LogLevel.Error, "Protocol error from FreeSWITCH; closing the connection.")]
    public static partial void ProtocolError(ILogger logger, Exception error);

    [LoggerMessage(1005, LogLevel.Information, "Connection to FreeSWITCH closed.")]
    public static partial void Closed(ILogger logger, Exception? reason);

    [LoggerMessage(1006, LogLevel.Warning, "Subscribers fell behind: {Dropped} events dropped so far (policy {Policy}, buffer {Capacity}).")]
    public static partial void EventsDropped(ILogger logger, long dropped, EslOverflowPolicy policy, int capacity);

    [LoggerMessage(1057, LogLevel.Warning, "An event subscriber held the socket's read thread for over {StallMs} ms: reading moved to a new thread, and events now reach subscribers through the buffer and a dispatch thread, for the rest of this client's life.")]
    public static partial void InlineDeliveryStalled(ILogger logger, double stallMs);

    [LoggerMessage(1058, LogLevel.Information, "Reconnecting to FreeSWITCH at {Endpoint} stopped: ConnectAsync connected the client meanwhile.")]
    public static partial void ReconnectSuperseded(ILogger logger, string endpoint);

    [LoggerMessage(1059, LogLevel.Information, "ConnectAsync to FreeSWITCH at {Endpoint} found the client connected meanwhile; its own connection was closed.")]
    public static partial void ConnectionAlreadyMade(ILogger logger, string endpoint);

    [LoggerMessage(1100, LogLevel.Warning, "An event reader fell behind: {Dropped} events dropped so far (policy {Policy}, buffer {Capacity} events / {MaxBytes} bytes).")]
    public static partial void ReaderEventsDropped(ILogger logger, long dropped, EslOverflowPolicy policy, int capacity, long maxBytes);

    [LoggerMessage(1007, LogLevel.Debug, "Late reply to timed-out '{Command}' discarded.")]
    public static partial void LateReplyDiscarded(ILogger logger, string command);

    [LoggerMessage(1008, LogLevel.Warning, "Reply with no command waiting for it ({ContentType}); ignored.")]
    public static partial void UnexpectedReply(ILogger logger, string contentType);

    [LoggerMessage(1009, LogLevel.Error, "An event subscriber threw; the event stream goes on.")]
    public static partial void SubscriberFailed(ILogger logger, Exception error);

    [LoggerMessage(1010, LogLevel.Debug, "Frame with unknown content type ignored.")]
    public static partial void UnknownFrame(ILogger logger);

    [LoggerMessage(1011, LogLevel.Information, "FreeSWITCH sent a disconnect notice ({Disposition}).")]
    public static partial void DisconnectNotice(ILogger logger, string disposition);

    [LoggerMessage(1012, LogLevel.Information, "Outbound listener accepting FreeSWITCH socket connections on {Endpoint}.")]
    public static partial void ListenerStarted(ILogger logger, string endpoint);

    [LoggerMessage(1013, LogLevel.Error, "The outbound session handler failed.")]
    public static partial void SessionHandlerFailed(ILogger logger, Exception error);

    [LoggerMessage(1014, LogLevel.Warning, "Could not restore subscription or filter after reconnecting.")]
    public static partial void ReplayFailed(ILogger logger, Exception error);

    [LoggerMessage(1015, LogLevel.Warning, "Could not subscribe to HEARTBEAT on the connection to {Endpoint}; the next event subscription carries it, a reconnect restores it.")]
    public static partial void LivenessSubscribeFailed(ILogger logger, string endpoint, Exception error);

    [LoggerMessage(1016, LogLevel.Debug, "Nothing subscribed within the grace; subscribed to HEARTBEAT on its own on the connection to {Endpoint}.")]
    public static partial void LivenessSubscribed(ILogger logger, string endpoint);

    [LoggerMessage(1050, LogLevel.Error, "FreeSWITCH at {Endpoint} refused the credentials (attempt {Attempt}); retrying within {DelayMs} ms. Check the Event Socket password.")]
    public static partial void AuthenticationRefused(ILogger logger, string endpoint, int attempt, double delayMs, Exception error);

    [LoggerMessage(1051, LogLevel.Warning, "Could not connect to FreeSWITCH at {Endpoint} (attempt {Attempt}); retrying within {DelayMs} ms.")]
    public static partial void ConnectRetrying(ILogger logger, string endpoint, int attempt, double delayMs, Exception error);

    [LoggerMessage(1052, LogLevel.Error, "Connection to FreeSWITCH declared dead ({Reason}): {Detail}; closing it to reconnect.")]
    public static partial void ConnectionDead(ILogger logger, string reason, string detail);

    [LoggerMessage(1053, LogLevel.Error, "The connection's read loop failed unexpectedly; closing the connection.")]
    public static partial void ReadLoopFailed(ILogger logger, Exception error);

    [LoggerMessage(1054, LogLevel.Error, "A subscriber of {Stream} threw; the library goes on.")]
    public static partial void ObserverFailed(ILogger logger, string stream, Exception error);

    [LoggerMessage(1055, LogLevel.Warning, "Closing the connection failed; ignored.")]
    public static partial void CloseFailed(ILogger logger, Exception error);

    [LoggerMessage(1056, LogLevel.Error, "Reconnection to {Endpoint} stopped unexpectedly.")]
    public static partial void SupervisionFailed(ILogger logger, string endpoint, Exception error);
}
