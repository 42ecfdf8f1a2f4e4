using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket;

/// <summary>
/// The one rule for characters that may never reach the wire from a caller's value: C0 and C1 control characters
/// (CR, LF, NUL, tab, NEL …), DEL, and the Unicode line and paragraph separators. Every command of this client
/// refuses such values; options validators (here and in packages built on this client) apply the same rule, so
/// a value that passes validation is never refused later when it is written.
/// </summary>
public static class EslText
{
    /// <summary>Whether <paramref name="c"/> may not be sent to the switch inside a caller's value.</summary>
    /// <param name="c">The character.</param>
    /// <returns><see langword="true"/> for a control character or a line/paragraph separator.</returns>
    public static bool IsUnsafe(char c) => CommandText.IsUnsafe(c);

    /// <summary>Whether <paramref name="value"/> contains a character that <see cref="IsUnsafe"/> refuses.</summary>
    /// <param name="value">The value, or <see langword="null"/> (which contains nothing unsafe).</param>
    /// <returns><see langword="true"/> if some character of it may not be sent.</returns>
    public static bool ContainsUnsafe(string? value) => CommandText.ContainsUnsafe(value);
}
