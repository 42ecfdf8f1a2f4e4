namespace EslSupervision.EventSocket.Client;

/// <summary>The checks every connection's settings share, whichever side opens the connection.</summary>
internal static class ConnectionSettingsRules
{
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
