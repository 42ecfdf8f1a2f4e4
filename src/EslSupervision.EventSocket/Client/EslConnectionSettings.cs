namespace EslSupervision.EventSocket.Client;

/// <summary>What one connection needs to know, whichever side opened it.</summary>
internal sealed record EslConnectionSettings(
    string EndpointDescription,
    TimeSpan CommandTimeout,
    TimeSpan BackgroundJobTimeout,
    int EventBufferCapacity,
    EslOverflowPolicy OverflowPolicy,
    int MaxFrameSize,
    long EventBufferMaxBytes = ConnectionSettingsRules.DefaultEventBufferBytes);
