using Microsoft.Extensions.Options;

namespace EslSupervision.Cluster;

/// <summary>The signing key and the keys accepted for verification, by id. Built once from validated options.</summary>
internal sealed class SupervisionTokenKeyRing
{
    private readonly Dictionary<string, byte[]> _accepted;

    private SupervisionTokenKeyRing(string currentKeyId, byte[] currentKey, Dictionary<string, byte[]> accepted)
    {
        CurrentKeyId = currentKeyId;
        CurrentKey = currentKey;
        _accepted = accepted;
    }

    /// <summary>The id written into every issued token.</summary>
    public string CurrentKeyId { get; }

    /// <summary>The key that signs.</summary>
    public byte[] CurrentKey { get; }

    /// <summary>Throws <see cref="OptionsValidationException"/> (without key material) when the options do not validate.</summary>
    public static SupervisionTokenKeyRing FromOptions(SupervisionTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult result = new SupervisionTokenOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(nameof(SupervisionTokenOptions), typeof(SupervisionTokenOptions), result.Failures);
        }

        byte[] current = SupervisionTokenOptionsValidator.DecodeKey(options.TokenKey)!;
        var accepted = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [options.TokenKeyId] = current };
        foreach (KeyValuePair<string, string> previous in options.PreviousTokenKeys)
        {
            accepted[previous.Key] = SupervisionTokenOptionsValidator.DecodeKey(previous.Value)!;
        }

        return new SupervisionTokenKeyRing(options.TokenKeyId, current, accepted);
    }

    public bool TryGetKey(string keyId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? key)
        => _accepted.TryGetValue(keyId, out key);

    /// <summary>No key material.</summary>
    public override string ToString() => $"current {CurrentKeyId}, accepted [{string.Join(", ", _accepted.Keys)}]";
}
