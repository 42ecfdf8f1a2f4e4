using Microsoft.Extensions.Options;

namespace EslSupervision;

/// <summary>
/// Checks <see cref="SupervisionOptions"/> (use it with <c>ValidateOnStart</c>): service codes must be
/// unambiguous to dial, digits distinct, extensions and tenants well-formed, and no string may carry a
/// control character into a FreeSWITCH command.
/// </summary>
/// <remarks>Public because an application that loads <see cref="SupervisionOptions"/> its own way validates them with the same rules the host applies at start.</remarks>
public sealed class SupervisionOptionsValidator : IValidateOptions<SupervisionOptions>
{
    /// <summary>The longest permission timeout accepted.</summary>
    private static readonly TimeSpan MaxPermissionTimeout = TimeSpan.FromMinutes(1);

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SupervisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        ValidatePrefixes(options, failures);
        ValidateDigits(options, failures);

        bool extensionFormatValid = true;
        if (options.ExtensionMinDigits < 1 || options.ExtensionMaxDigits > TextRules.MaxExtensionDigitsLimit || options.ExtensionMinDigits > options.ExtensionMaxDigits)
        {
            extensionFormatValid = false;
            failures.Add($"ExtensionMinDigits ({options.ExtensionMinDigits}) and ExtensionMaxDigits ({options.ExtensionMaxDigits}) must satisfy 1 <= min <= max <= {TextRules.MaxExtensionDigitsLimit}.");
        }

        ValidateTenants(options, failures);
        ValidateRingGroups(options, extensionFormatValid, failures);

        if (options.PermissionTimeout <= TimeSpan.Zero || options.PermissionTimeout > MaxPermissionTimeout)
        {
            failures.Add($"PermissionTimeout must be greater than zero and at most {MaxPermissionTimeout}; it is {options.PermissionTimeout}.");
        }

        if (options.AuditQueueCapacity is < 1 or > 1_000_000)
        {
            failures.Add($"AuditQueueCapacity must be between 1 and 1000000; it is {options.AuditQueueCapacity}.");
        }

        if (options.RefusalSound is null)
        {
            failures.Add("RefusalSound must not be null; use an empty string for no sound.");
        }
        else if (TextRules.ContainsControl(options.RefusalSound))
        {
            failures.Add("RefusalSound must not contain CR, LF or other control characters.");
        }

        if (!TextRules.IsCauseToken(options.RefusalHangupCause))
        {
            failures.Add("RefusalHangupCause must be an upper-case FreeSWITCH hang-up cause such as CALL_REJECTED (A-Z, 0-9, '_', starting with a letter).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePrefixes(SupervisionOptions options, List<string> failures)
    {
        (string Name, string? Value)[] prefixes =
        [
            (nameof(options.SpyPrefix), options.SpyPrefix),
            (nameof(options.WhisperPrefix), options.WhisperPrefix),
            (nameof(options.BargePrefix), options.BargePrefix),
        ];
        bool allValid = true;
        foreach ((string name, string? value) in prefixes)
        {
            if (!TextRules.IsDialString(value))
            {
                allValid = false;
                failures.Add($"{name} must be a non-empty dial string of the characters 0-9, * and #.");
            }
        }

        if (!allValid)
        {
            return;
        }

        for (int i = 0; i < prefixes.Length; i++)
        {
            for (int j = i + 1; j < prefixes.Length; j++)
            {
                string a = prefixes[i].Value!;
                string b = prefixes[j].Value!;
                if (a == b)
                {
                    failures.Add($"{prefixes[i].Name} and {prefixes[j].Name} are both '{a}': service-code prefixes must be distinct.");
                }
                else if (a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal))
                {
                    failures.Add($"{prefixes[i].Name} '{a}' and {prefixes[j].Name} '{b}' are ambiguous: one is a prefix of the other, so a dialled code could mean either.");
                }
            }
        }
    }

    private static void ValidateDigits(SupervisionOptions options, List<string> failures)
    {
        (string Name, string? Value)[] digits =
        [
            (nameof(options.SpyDigit), options.SpyDigit),
            (nameof(options.WhisperDigit), options.WhisperDigit),
            (nameof(options.BargeDigit), options.BargeDigit),
        ];
        bool allValid = true;
        foreach ((string name, string? value) in digits)
        {
            if (value is null || value.Length != 1 || !TextRules.IsDialChar(value[0]))
            {
                allValid = false;
                failures.Add($"{name} must be exactly one of the characters 0-9, * and #.");
            }
        }

        if (allValid && digits.Select(d => d.Value).Distinct(StringComparer.Ordinal).Count() != digits.Length)
        {
            failures.Add("SpyDigit, WhisperDigit and BargeDigit must be distinct.");
        }
    }

    private static void ValidateTenants(SupervisionOptions options, List<string> failures)
    {
        if (options.Tenants is null)
        {
            failures.Add("Tenants must not be null.");
            return;
        }

        foreach (KeyValuePair<string, TenantOptions> tenant in options.Tenants)
        {
            if (!TextRules.IsDomainLike(tenant.Key))
            {
                failures.Add($"Tenant '{Printable(tenant.Key)}' is not a valid domain name (labels of ASCII letters, digits and hyphens separated by dots).");
            }

            if (tenant.Value is null)
            {
                failures.Add($"Tenant '{Printable(tenant.Key)}' has no settings.");
            }
        }
    }

    private static void ValidateRingGroups(SupervisionOptions options, bool extensionFormatValid, List<string> failures)
    {
        if (options.RingGroups is null)
        {
            failures.Add("RingGroups must not be null.");
            return;
        }

        for (int i = 0; i < options.RingGroups.Count; i++)
        {
            RingGroupOptions? group = options.RingGroups[i];
            if (group is null)
            {
                failures.Add($"RingGroups[{i}] is empty.");
                continue;
            }

            string label = $"RingGroups[{i}] ('{Printable(group.Name)}')";
            if (string.IsNullOrWhiteSpace(group.Name) || TextRules.ContainsControl(group.Name))
            {
                failures.Add($"{label}: Name must be non-empty and free of control characters.");
            }

            if (!TextRules.IsDomainLike(group.Tenant))
            {
                failures.Add($"{label}: Tenant '{Printable(group.Tenant)}' is not a valid domain name.");
            }

            if (group.Members is null)
            {
                failures.Add($"{label}: Members must not be null.");
                continue;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int m = 0; m < group.Members.Count; m++)
            {
                RingGroupMemberOptions? member = group.Members[m];
                if (member is null)
                {
                    failures.Add($"{label}: Members[{m}] is empty.");
                    continue;
                }

                if (extensionFormatValid && !TextRules.IsExtension(member.Extension, options.ExtensionMinDigits, options.ExtensionMaxDigits))
                {
                    failures.Add($"{label}: Members[{m}] extension '{Printable(member.Extension)}' must be {options.ExtensionMinDigits} to {options.ExtensionMaxDigits} ASCII digits.");
                }
                else if (member.Extension is not null && !seen.Add(member.Extension))
                {
                    failures.Add($"{label}: extension '{member.Extension}' is listed more than once.");
                }

                if (member.AllowedModes is not null && member.AllowedModes.Any(mode => !Enum.IsDefined(mode)))
                {
                    failures.Add($"{label}: Members[{m}] has an unknown mode in AllowedModes.");
                }
            }
        }
    }

    /// <summary>Shows a configured value in a message without letting control characters through.</summary>
    private static string Printable(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        string shortened = value.Length > 64 ? value[..64] + "..." : value;
        return TextRules.ContainsControl(shortened)
            ? string.Concat(shortened.Select(c => TextRules.IsControl(c) ? "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture) : c.ToString()))
            : shortened;
    }
}
