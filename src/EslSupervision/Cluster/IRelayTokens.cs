namespace EslSupervision.Cluster;

/// <summary>
/// Mints and checks the single-use tokens that carry a supervisor's leg from one switch to another. The cluster
/// works without one (every cross-switch request is then refused as <c>SwitchUnavailable</c>): fail closed.
/// </summary>
internal interface IRelayTokens
{
    /// <summary>Whether a destination has the token's shape (cheap; says nothing about validity).</summary>
    bool LooksLikeToken(string? destination);

    /// <summary>
    /// The origin leg a token-shaped destination names, read without verifying anything: only to choose the lease key
    /// of an arriving leg (so every replica picks the same one), never for a decision. <see langword="null"/> when it does not parse.
    /// </summary>
    (string OriginSwitch, string OriginLegId)? PeekOrigin(string? destination);

    /// <summary>A fresh token for these claims, or <see langword="null"/> with the reason when none can be minted.</summary>
    (string? Token, string? Failure) Issue(RelayClaims claims);

    /// <summary>Checks a token arriving on <paramref name="localSwitch"/>: signature, expiry, single use, target.</summary>
    ValueTask<RelayTokenCheck> ValidateAsync(string token, string localSwitch, CancellationToken cancellationToken);
}
