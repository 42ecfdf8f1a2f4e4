namespace EslSupervision.EventSocket;

/// <summary>The buffer of one <see cref="EslEventReader"/>; anything left <see langword="null"/> takes the connection's setting.</summary>
public sealed class EslEventReaderOptions
{
    /// <summary>How many events may wait in this reader's buffer (at least 16); default <see cref="EslConnectionOptions.EventBufferCapacity"/>.</summary>
    public int? Capacity { get; init; }

    /// <summary>How many bytes of events (their wire size) may wait (at least 64 KiB); default <see cref="EslConnectionOptions.EventBufferMaxBytes"/>.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>What happens when this reader's buffer is full; default <see cref="EslConnectionOptions.OverflowPolicy"/>.</summary>
    /// <remarks><see cref="EslOverflowPolicy.Wait"/> makes the connection stop reading the socket while this reader is full.</remarks>
    public EslOverflowPolicy? OverflowPolicy { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value outside its documented range.</summary>
    internal void Validate()
    {
        if (Capacity is < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, "Capacity must be at least 16.");
        }

        if (MaxBytes is < Client.ConnectionSettingsRules.MinEventBufferBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "MaxBytes must be at least 64 KiB.");
        }

        if (OverflowPolicy is { } policy && !Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(OverflowPolicy), policy, "OverflowPolicy is not a known policy.");
        }
    }
}
