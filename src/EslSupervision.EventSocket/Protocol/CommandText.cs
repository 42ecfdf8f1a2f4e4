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

    /// <summary>
    /// The one definition of a character that may not reach the wire from a caller: C0 and C1 controls (CR, LF, NUL,
    /// tab, NEL …), DEL, and the Unicode line and paragraph separators. Options validators use it too, so a value
    /// that passes validation is never refused later by the writer.
    /// </summary>
    public static bool IsUnsafe(char c) => c < 0x20 || (c >= 0x7F && c <= 0x9F) || c is '\u2028' or '\u2029';

    public static bool ContainsUnsafe(string? value) => value is not null && IndexOfUnsafe(value) >= 0;

    private static int IndexOfUnsafe(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            if (IsUnsafe(value[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
