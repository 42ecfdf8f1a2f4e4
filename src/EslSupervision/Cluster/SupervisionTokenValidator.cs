using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EslSupervision.Cluster;

/// <summary>
/// Verifies a parked destination that claims to be a cross-switch supervision token, and consumes it. Never
/// throws on what arrives in the destination: every defect is a <see cref="SupervisionTokenOutcome"/> refusal.
/// </summary>
/// <remarks>
/// Order: shape → key id → MAC (constant time) → payload fields → expiry → target switch → single use. Only a
/// token that passed every check reaches the store, so a flood of forgeries cannot fill it.
/// </remarks>
internal sealed class SupervisionTokenValidator
{
    private readonly SupervisionTokenKeyRing _keys;
    private readonly ISupervisionTokenStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _clockSkew;
    private readonly TimeSpan _maxLifetime;
    private readonly TimeSpan _storeTimeout;
    private readonly ILogger _logger;

    public SupervisionTokenValidator(
        SupervisionTokenKeyRing keys,
        ISupervisionTokenStore store,
        TimeSpan clockSkew,
        TimeSpan maxLifetime,
        TimeSpan storeTimeout,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(clockSkew, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxLifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(storeTimeout, TimeSpan.Zero);
        _keys = keys;
        _store = store;
        _clockSkew = clockSkew;
        _maxLifetime = maxLifetime;
        _storeTimeout = storeTimeout;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Whether <paramref name="destination"/> is meant as a token at all (the dialplan's <c>^sup-</c>).</summary>
    public static bool LooksLikeToken(string? destination)
        => destination is not null && destination.StartsWith(SupervisionTokenFormat.Prefix, StringComparison.Ordinal);

    /// <summary>
    /// Checks <paramref name="destination"/> for the switch named <paramref name="localSwitch"/> and, when every check
    /// passes, consumes it. Throws only <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async ValueTask<SupervisionTokenOutcome> ValidateAsync(string? destination, string localSwitch, CancellationToken cancellationToken = default)
    {
        SupervisionTokenRefusal refusal = Verify(destination, out SupervisionTokenClaims? claims);
        if (refusal == SupervisionTokenRefusal.None && !string.Equals(claims!.HandOff.TargetSwitch, localSwitch, StringComparison.Ordinal))
        {
            refusal = SupervisionTokenRefusal.WrongSwitch;
        }

        if (refusal != SupervisionTokenRefusal.None)
        {
            return Refuse(refusal, claims);
        }

        bool consumed;
        try
        {
            consumed = await _store.TryConsumeAsync(claims!.Nonce, claims.ExpiresAt + _clockSkew, cancellationToken)
                .AsTask()
                .WaitAsync(_storeTimeout, _timeProvider, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Fail closed: whatever the store throws (or a timeout) is a refusal, never an acceptance.
        catch (Exception error)
#pragma warning restore CA1031
        {
            TokenLog.StoreFailed(_logger, error, claims!.NoncePrefix);
            return Refuse(SupervisionTokenRefusal.StoreUnavailable, claims);
        }

        if (!consumed)
        {
            return Refuse(SupervisionTokenRefusal.Replayed, claims);
        }

        TokenLog.Accepted(_logger, claims.HandOff.Supervisor.ToString(), claims.HandOff.OriginSwitch, claims.NoncePrefix);
        return SupervisionTokenOutcome.Accepted(claims);
    }

    private SupervisionTokenOutcome Refuse(SupervisionTokenRefusal reason, SupervisionTokenClaims? claims)
    {
        TokenLog.Refused(_logger, reason, claims?.NoncePrefix ?? "-");
        return SupervisionTokenOutcome.Refused(reason);
    }

    /// <summary>Everything but the target switch and the store: shape, key, MAC, fields, expiry.</summary>
    private SupervisionTokenRefusal Verify(string? destination, out SupervisionTokenClaims? claims)
    {
        claims = null;
        if (!SupervisionTokenFormat.TrySplit(destination, out int dot))
        {
            return SupervisionTokenRefusal.Malformed;
        }

        ReadOnlySpan<char> text = destination;
        ReadOnlySpan<char> signedPart = text[..dot];
        ReadOnlySpan<char> payloadText = signedPart[SupervisionTokenFormat.Prefix.Length..];
        Span<byte> payload = stackalloc byte[SupervisionTokenFormat.MaxPayloadBytes];
        Span<byte> mac = stackalloc byte[SupervisionTokenFormat.MacBytes];
        if (!SupervisionTokenFormat.TryDecodeCanonical(payloadText, payload, out int payloadLength)
            || !SupervisionTokenFormat.TryDecodeCanonical(text[(dot + 1)..], mac, out int macLength)
            || macLength != SupervisionTokenFormat.MacBytes)
        {
            return SupervisionTokenRefusal.Malformed;
        }

        payload = payload[..payloadLength];
        if (!SupervisionTokenFormat.TryReadKeyId(payload, out string? keyId))
        {
            return SupervisionTokenRefusal.Malformed;
        }

        if (!_keys.TryGetKey(keyId!, out byte[]? key))
        {
            return SupervisionTokenRefusal.UnknownKey;
        }

        // The signed text is ASCII (checked by TrySplit), one byte per character.
        Span<byte> signed = stackalloc byte[SupervisionTokenFormat.MaxDestinationLength];
        int signedLength = System.Text.Encoding.ASCII.GetBytes(signedPart, signed);
        Span<byte> expected = stackalloc byte[SupervisionTokenFormat.MacBytes];
        HMACSHA256.HashData(key, signed[..signedLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, mac))
        {
            return SupervisionTokenRefusal.BadSignature;
        }

        if (!SupervisionTokenFormat.TryReadPayload(payload, out claims))
        {
            return SupervisionTokenRefusal.Malformed;
        }

        DateTimeOffset now = _timeProvider.GetUtcNow();
        // now - skew rather than expiry + skew: a signed expiry near DateTimeOffset.MaxValue must not overflow.
        if (now - _clockSkew >= claims!.ExpiresAt || claims.ExpiresAt - now > _maxLifetime + _clockSkew)
        {
            return SupervisionTokenRefusal.Expired;
        }

        return SupervisionTokenRefusal.None;
    }
}
