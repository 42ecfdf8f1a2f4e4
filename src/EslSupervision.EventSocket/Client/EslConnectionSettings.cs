namespace EslSupervision.EventSocket.Client;

/// <summary>
/// What one connection needs to know, whichever side opened it. <see cref="LivenessTimeout"/> and
/// <see cref="MaxConsecutiveTimeouts"/> are off (zero) unless the connection subscribes to HEARTBEAT (inbound).
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
    long EventBufferMaxBytes = ConnectionSettingsRules.DefaultEventBufferBytes);
