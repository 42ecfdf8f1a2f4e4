using EslSupervision.Calls;

namespace EslSupervision.Cluster;

/// <summary>
/// What a cross-switch token binds: who supervises (and from which leg on which switch), whose leg is
/// supervised on which switch, and in which mode. Changing any of it after issue breaks the signature.
/// </summary>
/// <param name="Supervisor">The authenticated supervisor (tenant and extension).</param>
/// <param name="OriginSwitch">The switch the supervisor's leg is parked on (switch A).</param>
/// <param name="OriginLegUuid">The supervisor's leg on the origin switch.</param>
/// <param name="AgentLegUuid">The agent's leg on the target switch.</param>
/// <param name="AgentExtension">The agent's extension (same tenant as the supervisor).</param>
/// <param name="Mode">The mode the supervision starts in.</param>
/// <param name="TargetSwitch">The switch that holds the agent's leg (switch B), the only one that accepts the token.</param>
internal sealed record SupervisionHandOff(
    UserIdentity Supervisor,
    string OriginSwitch,
    string OriginLegUuid,
    string AgentLegUuid,
    string AgentExtension,
    SupervisionMode Mode,
    string TargetSwitch);

/// <summary>A verified (or freshly issued) token's contents.</summary>
/// <param name="HandOff">What the token binds.</param>
/// <param name="KeyId">The id of the key that signed it.</param>
/// <param name="ExpiresAt">When it stops being accepted (before the clock-skew allowance).</param>
/// <param name="Nonce">The 128-bit single-use nonce, base64url (22 characters): the store's key.</param>
internal sealed record SupervisionTokenClaims(SupervisionHandOff HandOff, string KeyId, DateTimeOffset ExpiresAt, string Nonce)
{
    /// <summary>The first characters of the nonce: enough to correlate log lines, useless to an attacker.</summary>
    public string NoncePrefix => Nonce.Length > 6 ? Nonce[..6] : Nonce;

    /// <inheritdoc/>
    public override string ToString()
        => $"{HandOff.Mode} {HandOff.Supervisor} {HandOff.OriginSwitch}->{HandOff.TargetSwitch} key {KeyId} nonce {NoncePrefix}… expires {ExpiresAt:O}";
}

/// <summary>An issued token: the bridge destination and what it binds.</summary>
internal sealed class IssuedSupervisionToken(string destination, SupervisionTokenClaims claims)
{
    /// <summary>The destination to bridge the supervisor's leg to on the target switch. A secret until used: never log it.</summary>
    public string Destination { get; } = destination;

    /// <summary>What the token binds.</summary>
    public SupervisionTokenClaims Claims { get; } = claims;

    /// <summary>The claims only: the destination (which carries the signature) never reaches a log through ToString.</summary>
    public override string ToString() => Claims.ToString();
}
