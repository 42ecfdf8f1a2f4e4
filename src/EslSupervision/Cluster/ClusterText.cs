namespace EslSupervision.Cluster;

/// <summary>Text rules of the cluster: switch names and token key ids.</summary>
internal static class ClusterText
{
    /// <summary>The longest switch name a token can carry.</summary>
    public const int MaxSwitchNameLength = 32;

    /// <summary>The longest token key id.</summary>
    public const int MaxKeyIdLength = 16;

    /// <summary>
    /// A switch name: 1-32 of <c>A-Z a-z 0-9 . _ -</c>, starting with a letter or digit. It travels inside the
    /// inter-switch token and may end up in logs and audit entries, so nothing FreeSWITCH would expand and no
    /// separator can be part of it.
    /// </summary>
    public static bool IsSwitchName(string? value) => IsName(value, MaxSwitchNameLength);

    /// <summary>A token key id: 1-16 of <c>A-Z a-z 0-9 . _ -</c>, starting with a letter or digit.</summary>
    public static bool IsKeyId(string? value) => IsName(value, MaxKeyIdLength);

    private static bool IsName(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength || !char.IsAsciiLetterOrDigit(value[0]))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        // Implied by the character set; kept so that a later widening of the set cannot let these through.
        return !TextRules.ContainsControl(value) && !TextRules.HasExpansionChars(value);
    }
}
