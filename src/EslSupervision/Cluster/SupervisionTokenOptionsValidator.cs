using Microsoft.Extensions.Options;

namespace EslSupervision.Cluster;

/// <summary>
/// Checks <see cref="SupervisionTokenOptions"/> (use it with <c>ValidateOnStart</c>): a current key of at least 32
/// bytes, well-formed and distinct key ids, and bounded lifetimes. Messages name keys by id, never by value.
/// </summary>
/// <remarks>Public because an application that loads <see cref="SupervisionTokenOptions"/> its own way validates them with the same rules the host applies.</remarks>
public sealed class SupervisionTokenOptionsValidator : IValidateOptions<SupervisionTokenOptions>
{
    /// <summary>The shortest key accepted: HMAC-SHA256's own output size.</summary>
    internal const int MinKeyBytes = 32;

    /// <summary>The longest key accepted (HMAC-SHA256 hashes anything longer than its 64-byte block first).</summary>
    internal const int MaxKeyBytes = 64;

    internal static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromMinutes(5);
    internal static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan MaxStoreTimeout = TimeSpan.FromSeconds(30);

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SupervisionTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (!ClusterText.IsKeyId(options.TokenKeyId))
        {
            failures.Add("TokenKeyId must be 1-16 of the characters A-Z a-z 0-9 . _ - and start with a letter or digit.");
        }

        if (string.IsNullOrEmpty(options.TokenKey))
        {
            failures.Add("TokenKey is required: a base64 key of at least 32 bytes shared by every switch's controller.");
        }
        else if (!IsKey(options.TokenKey))
        {
            failures.Add($"TokenKey must be base64 of {MinKeyBytes} to {MaxKeyBytes} bytes.");
        }

        if (options.PreviousTokenKeys is null)
        {
            failures.Add("PreviousTokenKeys must not be null.");
        }
        else
        {
            foreach (KeyValuePair<string, string> previous in options.PreviousTokenKeys)
            {
                string id = ClusterText.IsKeyId(previous.Key) ? previous.Key : "(invalid id)";
                if (!ClusterText.IsKeyId(previous.Key))
                {
                    failures.Add("PreviousTokenKeys has an id that is not 1-16 of the characters A-Z a-z 0-9 . _ -.");
                }
                else if (string.Equals(previous.Key, options.TokenKeyId, StringComparison.OrdinalIgnoreCase))
                {
                    failures.Add($"PreviousTokenKeys has the current key id '{id}': each key id names one key.");
                }

                if (!IsKey(previous.Value))
                {
                    failures.Add($"PreviousTokenKeys['{id}'] must be base64 of {MinKeyBytes} to {MaxKeyBytes} bytes.");
                }
            }

            if (options.PreviousTokenKeys.Keys.Distinct(StringComparer.OrdinalIgnoreCase).Count() != options.PreviousTokenKeys.Count)
            {
                failures.Add("PreviousTokenKeys has ids that differ only by case: configuration keys are case-insensitive.");
            }
        }

        CheckRange(failures, nameof(options.TokenLifetime), options.TokenLifetime, MaxTokenLifetime, allowZero: false);
        CheckRange(failures, nameof(options.ClockSkew), options.ClockSkew, MaxClockSkew, allowZero: true);
        CheckRange(failures, nameof(options.StoreTimeout), options.StoreTimeout, MaxStoreTimeout, allowZero: false);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The key's bytes, or null when it is not base64 of an accepted length.</summary>
    internal static byte[]? DecodeKey(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 4 * MaxKeyBytes)
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[3 * MaxKeyBytes];
        if (!Convert.TryFromBase64String(value, buffer, out int written) || written is < MinKeyBytes or > MaxKeyBytes)
        {
            return null;
        }

        byte[] key = buffer[..written].ToArray();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
        return key;
    }

    private static bool IsKey(string? value) => DecodeKey(value) is not null;

    private static void CheckRange(List<string> failures, string name, TimeSpan value, TimeSpan max, bool allowZero)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero) || value > max)
        {
            failures.Add($"{name} must be {(allowZero ? "zero or more" : "greater than zero")} and at most {max}; it is {value}.");
        }
    }
}
