namespace EslSupervision.Cluster;

/// <summary>
/// Remembers which cross-switch supervision tokens were used, so that each is accepted exactly once.
/// </summary>
/// <remarks>
/// Public so that a deployment with several controller replicas can share one store (for example in Redis): with a
/// per-process store, a token replayed to another replica would be accepted a second time. The default,
/// <see cref="InMemorySupervisionTokenStore"/>, is right for one controller process.
/// <para>
/// The verifier fails closed: if <see cref="TryConsumeAsync"/> throws or does not answer within
/// <see cref="SupervisionTokenOptions.StoreTimeout"/>, the token is refused. An implementation must therefore never
/// answer <see langword="true"/> when unsure.
/// </para>
/// </remarks>
public interface ISupervisionTokenStore
{
    /// <summary>
    /// Marks <paramref name="nonce"/> used. Returns <see langword="true"/> exactly once per nonce until
    /// <paramref name="expiresAt"/>, and <see langword="false"/> for every later call and for a nonce already past its
    /// expiry; after that the entry may be forgotten (the verifier refuses an expired token before asking).
    /// </summary>
    /// <param name="nonce">The token's single-use nonce (22 base64url characters). Not a secret on its own, but do not log it whole.</param>
    /// <param name="expiresAt">Until when the nonce must be remembered: the token's expiry plus the clock-skew allowance.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);
}
