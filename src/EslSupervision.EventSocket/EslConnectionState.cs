namespace EslSupervision.EventSocket;

/// <summary>Where a connection is in its life.</summary>
public enum EslConnectionState
{
    /// <summary>Not connected yet.</summary>
    Disconnected,

    /// <summary>Opening the socket and authenticating.</summary>
    Connecting,

    /// <summary>Authenticated; commands and events flow.</summary>
    Connected,

    /// <summary>The connection was lost; waiting to reconnect (inbound clients only).</summary>
    Reconnecting,

    /// <summary>Closed for good: disposed, <c>exit</c>ed, or lost with reconnection off.</summary>
    Closed,
}
