namespace EslSupervision;

/// <summary>ASCII-only checks shared by options validation, service-code parsing and identity handling.</summary>
internal static class TextRules
{
    public const int MaxExtensionDigitsLimit = 32;

    public static bool IsAsciiDigit(char c) => c is >= '0' and <= '9';

    public static bool IsDialChar(char c) => IsAsciiDigit(c) || c is '*' or '#';

    /// <summary>C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators: the wire's own rule.</summary>
    public static bool IsControl(char c) => EventSocket.EslText.IsUnsafe(c);

    public static bool ContainsControl(string? value)
    {
        if (value is null)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsAsciiDigits(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsDialString(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!IsDialChar(c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsExtension(string? value, int minDigits, int maxDigits)
        => value is not null && value.Length >= minDigits && value.Length <= maxDigits && IsAsciiDigits(value);

    /// <summary>
    /// A SIP user name as an identity: 1-64 of <c>A-Z a-z 0-9 . _ - +</c>. Nothing FreeSWITCH would expand
    /// (<c>$ { }</c>), no separator, no space can pass into an application argument.
    /// </summary>
    public static bool IsUserName([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 64 || value == "_undef_")
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether an identity is safe to write into a FreeSWITCH application argument (strict user and domain).</summary>
    public static bool IsSafeIdentity(Calls.UserIdentity? identity)
        => identity is not null && IsUserName(identity.Extension) && IsDomainLike(identity.Tenant);

    /// <summary>
    /// The last line of defence before the wire: FreeSWITCH expands <c>${...}</c> and <c>$${...}</c> in application
    /// arguments, so no argument the controller builds may carry <c>$</c>, <c>{</c> or <c>}</c>.
    /// </summary>
    public static bool HasExpansionChars(string? value) => value is not null && value.AsSpan().IndexOfAny('$', '{', '}') >= 0;

    /// <summary>A DNS-like name: dot-separated labels of ASCII letters, digits and hyphens, no hyphen at a label's ends.</summary>
    public static bool IsDomainLike(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 253)
        {
            return false;
        }

        // Label by label over the span: this runs for every channel event the registry applies, so no Split.
        ReadOnlySpan<char> rest = value;
        while (true)
        {
            int dot = rest.IndexOf('.');
            ReadOnlySpan<char> label = dot < 0 ? rest : rest[..dot];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
                {
                    return false;
                }
            }

            if (dot < 0)
            {
                return true;
            }

            rest = rest[(dot + 1)..];
        }
    }

    /// <summary>A FreeSWITCH hang-up cause token such as <c>CALL_REJECTED</c>.</summary>
    public static bool IsCauseToken(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 64 || !char.IsAsciiLetterUpper(value[0]))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterUpper(c) || IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
