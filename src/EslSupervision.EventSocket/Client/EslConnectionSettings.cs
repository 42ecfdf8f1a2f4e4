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
    bool DedicatedThreads = false);
