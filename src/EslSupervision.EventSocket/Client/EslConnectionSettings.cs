namespace EslSupervision.EventSocket.Client;

/// <summary>
/// What one connection needs to know, whichever side opened it. <see cref="LivenessTimeout"/> and
/// <see cref="MaxConsecutiveTimeouts"/> are off (zero) unless the connection subscribes to HEARTBEAT (inbound).
/// <see cref="DedicatedThreads"/>: the socket is read, and Rx subscribers are called, on threads of the connection's
/// own instead of thread-pool continuations (long-lived inbound connections; not one-call outbound sessions).
/// </summary>
internal sealed record EslConnectionSettings(
    string EndpointDescription,
    TimeSpan CommandTimeout,
    TimeSpan BackgroundJobTimeout,
    int EventBufferCapacity,
    EslOverflowPolicy OverflowPolicy,
    int MaxFrameSize,
    TimeSpan LivenessTimeout = default,
    int MaxConsecutiveTimeouts = 0,
    long EventBufferMaxBytes = ConnectionSettingsRules.DefaultEventBufferBytes,
    bool DedicatedThreads = false,
    TimeSpan InlineStallPeriod = default)
{
    /// <summary>
    /// How often the stall watch looks at a delivery on the read thread: a batch seen at two looks held it for at
    /// least this long, at most twice as long, and replies wait that long at most behind a subscriber that stalls.
    /// Long enough that a collection or a first compilation rarely counts as a stall (the fallback is only slower).
    /// </summary>
    public static readonly TimeSpan DefaultInlineStallPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>The stall watch's period; the default when none was given.</summary>
    public TimeSpan StallPeriod => InlineStallPeriod > TimeSpan.Zero ? InlineStallPeriod : DefaultInlineStallPeriod;
}
