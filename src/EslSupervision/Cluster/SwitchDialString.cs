namespace EslSupervision.Cluster;

/// <summary>
/// How other switches reach a switch for supervision: a <c>bridge</c> dial string with a <c>{destination}</c>
/// placeholder (e.g. <c>sofia/gateway/to-b/{destination}</c>) where the token goes. It ends up as the argument of
/// <c>bridge</c>, so only a plain endpoint is accepted: no variable blocks (<c>{ } [ ] &lt; &gt;</c>), no
/// endpoint separators (<c>, |</c> or <c>:_:</c>), no expansion (<c>$</c>), no spaces, quotes or line breaks.
/// </summary>
internal static class SwitchDialString
{
    /// <summary>The placeholder the token replaces.</summary>
    public const string Placeholder = "{destination}";

    /// <summary>Longest accepted template (FreeSWITCH endpoints are short; anything longer is a mistake).</summary>
    public const int MaxLength = 512;

    /// <summary>Why a template is not usable, or <see langword="null"/> when it is.</summary>
    public static string? Problem(string? template)
    {
        if (string.IsNullOrEmpty(template))
        {
            return "is missing";
        }

        if (template.Length > MaxLength)
        {
            return $"is longer than {MaxLength} characters";
        }

        int first = template.IndexOf(Placeholder, StringComparison.Ordinal);
        if (first < 0)
        {
            return "has no " + Placeholder + " placeholder";
        }

        if (template.IndexOf(Placeholder, first + 1, StringComparison.Ordinal) >= 0)
        {
            return "has more than one " + Placeholder + " placeholder";
        }

        string rest = template.Replace(Placeholder, "x", StringComparison.Ordinal);
        if (!IsSafeExpanded(rest))
        {
            return "has characters that are not allowed in a bridge endpoint (only letters, digits and / . _ @ : + ; = % ~ -; no ':_:')";
        }

        return null;
    }

    /// <summary>The template with the token in place of the placeholder.</summary>
    public static string Expand(string template, string destination) => template.Replace(Placeholder, destination, StringComparison.Ordinal);

    /// <summary>Whether an expanded dial string holds only characters that are plain in a bridge endpoint.</summary>
    public static bool IsSafeExpanded(string value)
    {
        if (value.Length == 0 || value.Length > MaxLength + 1024 || value.Contains(":_:", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in value)
        {
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '/' or '.' or '_' or '@' or ':' or '+' or ';' or '=' or '%' or '~' or '-';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
