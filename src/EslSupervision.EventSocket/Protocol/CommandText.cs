namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// The one place that decides whether a caller's string may go on the wire. A command is a line, headers
/// are lines, and the block ends at a blank line: a CR or LF (or any other control character, or a Unicode
/// line separator) in a caller's value could add a command or a header. Such values are refused, never
/// escaped or stripped, so nothing is sent that the caller did not mean.
/// </summary>
internal static class CommandText
{
    /// <summary>A value that becomes part of a line: spaces allowed, control characters and line separators not.</summary>
    public static string EnsureLine(string? value, string paramName, bool allowEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (!allowEmpty && value.Length == 0)
        {
            throw new ArgumentException("The value must not be empty.", paramName);
        }

        int bad = IndexOfUnsafe(value);
        if (bad >= 0)
        {
            throw new ArgumentException($"The value contains a control or line-separator character (U+{(int)value[bad]:X4}) at position {bad}; it cannot be sent to FreeSWITCH.", paramName);
        }

        return value;
    }

    /// <summary>A single word: a command name, an event name, a UUID, a variable name. No spaces either.</summary>
    public static string EnsureToken(string? value, string paramName)
    {
        string line = EnsureLine(value, paramName);
        int space = line.AsSpan().IndexOfAny(' ', '\t');
        if (space >= 0)
        {
            throw new ArgumentException($"The value must be a single word; it contains a space at position {space}.", paramName);
        }

        return line;
    }

    /// <summary>A header name: a word without a colon.</summary>
    public static string EnsureHeaderName(string? value, string paramName)
    {
        string token = EnsureToken(value, paramName);
        if (token.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A header name cannot contain ':'.", paramName);
        }

        return token;
    }

    private static int IndexOfUnsafe(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c < 0x20 || c == 0x7F || c == '\u0085' || c == '\u2028' || c == '\u2029')
            {
                return i;
            }
        }

        return -1;
    }
}
