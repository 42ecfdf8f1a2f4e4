namespace EslSupervision.Cluster;

/// <summary>
/// What a lease is taken on: one supervisor leg on one switch. Exactly one controller replica may act on a
/// supervisor leg at a time, and this is how the replicas name it to each other.
/// </summary>
/// <remarks>
/// Public because it is the key of every <see cref="ISupervisionCoordinator"/> call. Both parts end up in storage
/// keys (for example Redis keys), so they are checked here once: the switch is a switch name (1-32 of
/// <c>A-Z a-z 0-9 . _ -</c>, so it never holds the <c>:</c> that separates the two parts), and the leg is a channel
/// UUID as FreeSWITCH writes it (8-64 hex digits and dashes).
/// </remarks>
public readonly record struct SupervisionLeaseKey
{
    /// <summary>The switch name used when the controller serves a single switch.</summary>
    public const string SingleSwitch = "local";

    /// <summary>Creates a key.</summary>
    /// <param name="switchName">The switch holding the supervisor's leg (<see cref="SingleSwitch"/> with one switch).</param>
    /// <param name="legId">The supervisor leg's channel UUID.</param>
    /// <exception cref="ArgumentException">A part is not of the shape described on the type.</exception>
    public SupervisionLeaseKey(string switchName, string legId)
    {
        if (!ClusterText.IsSwitchName(switchName))
        {
            throw new ArgumentException("The switch name must be 1-32 of A-Z a-z 0-9 . _ - starting with a letter or digit.", nameof(switchName));
        }

        if (!Control.EslIdentifiers.IsChannelUuid(legId))
        {
            throw new ArgumentException("The leg must be a channel UUID: 8-64 hex digits and dashes.", nameof(legId));
        }

        Switch = switchName;
        LegId = legId.ToLowerInvariant();
    }

    /// <summary>The switch holding the supervisor's leg.</summary>
    public string Switch { get; }

    /// <summary>The supervisor leg's channel UUID, lower case.</summary>
    public string LegId { get; }

    /// <summary>The key as one string, <c>switch:leg</c>: unambiguous, since a switch name has no <c>:</c>.</summary>
    public override string ToString() => $"{Switch}:{LegId}";

    /// <summary>Reads a key written by <see cref="ToString"/>; <see langword="false"/> for anything else.</summary>
    /// <param name="value">The text.</param>
    /// <param name="key">The key read.</param>
    public static bool TryParse(string? value, out SupervisionLeaseKey key)
    {
        key = default;
        int colon = value?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0)
        {
            return false;
        }

        string switchName = value![..colon];
        string leg = value[(colon + 1)..];
        if (!ClusterText.IsSwitchName(switchName) || !Control.EslIdentifiers.IsChannelUuid(leg))
        {
            return false;
        }

        key = new SupervisionLeaseKey(switchName, leg);
        return true;
    }
}
