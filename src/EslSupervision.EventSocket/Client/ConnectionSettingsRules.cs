namespace EslSupervision.EventSocket.Client;

/// <summary>The checks every connection's settings share, whichever side opens the connection.</summary>
internal static class ConnectionSettingsRules
{
    /// <summary>The default byte bound of an event buffer: 16 MiB, about 2,000 typical channel events.</summary>
    public const long DefaultEventBufferBytes = 16L * 1024 * 1024;

    /// <summary>The smallest byte bound accepted for an event buffer.</summary>
    public const long MinEventBufferBytes = 64 * 1024;

    public static void CheckBufferBytes(long maxBytes, List<string> failures)
    {
        if (maxBytes < MinEventBufferBytes)
        {
            failures.Add("EventBufferMaxBytes must be at least 64 KiB.");
        }
    }

    public static void Check(TimeSpan commandTimeout, TimeSpan backgroundJobTimeout, int eventBufferCapacity, int maxFrameSize, EslOverflowPolicy overflowPolicy, List<string> failures)
    {
        Positive(commandTimeout, "CommandTimeout", failures);
        Positive(backgroundJobTimeout, "BackgroundJobTimeout", failures);
        if (eventBufferCapacity < 16)
        {
            failures.Add("EventBufferCapacity must be at least 16.");
        }

        if (maxFrameSize < 1024)
        {
            failures.Add("MaxFrameSize must be at least 1024 bytes.");
        }

        if (!Enum.IsDefined(overflowPolicy))
        {
            failures.Add("OverflowPolicy is not a known policy.");
        }
    }

    public static void Positive(TimeSpan value, string name, List<string> failures)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{name} must be positive.");
        }
    }
}
