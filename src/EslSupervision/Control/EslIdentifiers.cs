namespace EslSupervision.Control;

/// <summary>Checks on identifiers taken from events before they are used as command arguments.</summary>
internal static class EslIdentifiers
{
    /// <summary>A channel UUID as FreeSWITCH writes it: hex digits and dashes, 8-64 characters.</summary>
    public static bool IsChannelUuid(string? value)
        => value is { Length: >= 8 and <= 64 } && value.All(c => c == '-' || char.IsAsciiHexDigit(c));
}
