namespace EslSupervision.Cluster;

/// <summary>
/// Settings of the signed, single-use tokens that move a supervisor's leg from one switch to another, bound from
/// the configuration section <c>EslSupervision:Cluster</c> (<see cref="SectionName"/> under <see cref="SupervisionOptions.SectionName"/>).
/// Validate them with <see cref="SupervisionTokenOptionsValidator"/>.
/// </summary>
/// <remarks>
/// Every switch's controller must share <see cref="TokenKey"/> (and the key ids): the controller of the supervisor's
/// switch signs, the controller of the agent's switch verifies. There is no default key.
/// To rotate: give every controller the new key as <see cref="TokenKey"/> with a new <see cref="TokenKeyId"/> and
/// the old one under <see cref="PreviousTokenKeys"/>; once every controller runs with it, drop the old key.
/// <para>Public because it is bound from configuration and can be configured in code.</para>
/// </remarks>
public sealed class SupervisionTokenOptions
{
    /// <summary>The configuration section, relative to <c>EslSupervision</c>: <c>Cluster</c>.</summary>
    public const string SectionName = "Cluster";

    /// <summary>
    /// The shared signing key, base64 (standard alphabet), at least 32 bytes. A secret: keep it out of source control
    /// (environment variable <c>EslSupervision__Cluster__TokenKey</c> or a secret store). No default.
    /// </summary>
    public string? TokenKey { get; set; }

    /// <summary>The id of <see cref="TokenKey"/>, carried in every token: 1-16 of <c>A-Z a-z 0-9 . _ -</c>. Default <c>k1</c>.</summary>
    public string TokenKeyId { get; set; } = "k1";

    /// <summary>Retired keys still accepted when verifying (never used to sign), by key id; values base64, at least 32 bytes.</summary>
    public Dictionary<string, string> PreviousTokenKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long an issued token stays valid: the hand-off must reach the other switch within it. Default 10 seconds, at most 5 minutes.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How far the verifying switch's clock may lag the issuer's. Default 2 seconds, at most 30 seconds.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the single-use store may take before the token is refused (fail closed). Default 1 second, at most 30 seconds.</summary>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The settings without any key material.</summary>
    public override string ToString()
        => $"TokenKeyId={TokenKeyId}, TokenKey={(string.IsNullOrEmpty(TokenKey) ? "(none)" : "(set)")}, PreviousTokenKeys=[{string.Join(", ", PreviousTokenKeys?.Keys ?? Enumerable.Empty<string>())}], TokenLifetime={TokenLifetime}, ClockSkew={ClockSkew}, StoreTimeout={StoreTimeout}";
}
