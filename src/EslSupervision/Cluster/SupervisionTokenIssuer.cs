using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EslSupervision.Cluster;

/// <summary>Signs cross-switch hand-offs into bridge destinations (see <see cref="SupervisionTokenFormat"/>).</summary>
internal sealed class SupervisionTokenIssuer
{
    private readonly SupervisionTokenKeyRing _keys;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public SupervisionTokenIssuer(SupervisionTokenKeyRing keys, TimeSpan lifetime, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        _keys = keys;
        _lifetime = lifetime;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Issues a token for <paramref name="handOff"/>. False (with a reason fit for a log line) when a field breaks the
    /// text rules or the whole destination would exceed 255 characters: the caller refuses the supervision.
    /// </summary>
    public bool TryIssue(SupervisionHandOff handOff, [NotNullWhen(true)] out IssuedSupervisionToken? token, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(handOff);
        token = null;
        error = SupervisionTokenFormat.Check(handOff);
        if (error is not null)
        {
            TokenLog.IssueFailed(_logger, error);
            return false;
        }

        Span<byte> nonce = stackalloc byte[SupervisionTokenFormat.NonceBytes];
        RandomNumberGenerator.Fill(nonce);
        DateTimeOffset expiresAt = _timeProvider.GetUtcNow() + _lifetime;
        var claims = new SupervisionTokenClaims(handOff, _keys.CurrentKeyId, expiresAt, SupervisionTokenFormat.EncodeNonce(nonce));

        Span<byte> payload = stackalloc byte[SupervisionTokenFormat.MaxPayloadBytes];
        if (!SupervisionTokenFormat.TryWritePayload(payload, claims, nonce, out int payloadLength))
        {
            error = "the tenant, extensions and switch names are too long for a 255-character destination";
            TokenLog.IssueFailed(_logger, error);
            return false;
        }

        // "sup-" + payload, then ".", then the MAC of everything before the dot.
        Span<char> destination = stackalloc char[SupervisionTokenFormat.MaxDestinationLength];
        SupervisionTokenFormat.Prefix.CopyTo(destination);
        int length = SupervisionTokenFormat.Prefix.Length;
        bool encoded = Base64Url.TryEncodeToChars(payload[..payloadLength], destination[length..], out int payloadChars);
        length += payloadChars;
        if (!encoded || length + 1 + SupervisionTokenFormat.MacChars > SupervisionTokenFormat.MaxDestinationLength)
        {
            error = "the destination would exceed 255 characters";
            TokenLog.IssueFailed(_logger, error);
            return false;
        }

        Span<byte> signed = stackalloc byte[SupervisionTokenFormat.MaxDestinationLength];
        int signedLength = System.Text.Encoding.ASCII.GetBytes(destination[..length], signed);
        Span<byte> mac = stackalloc byte[SupervisionTokenFormat.MacBytes];
        HMACSHA256.HashData(_keys.CurrentKey, signed[..signedLength], mac);
        destination[length++] = '.';
        Base64Url.TryEncodeToChars(mac, destination[length..], out int macChars);
        length += macChars;

        token = new IssuedSupervisionToken(new string(destination[..length]), claims);
        TokenLog.Issued(_logger, handOff.TargetSwitch, claims.KeyId, claims.NoncePrefix);
        return true;
    }
}
