using EslSupervision.Cluster;
using StackExchange.Redis;

namespace EslSupervision.Redis;

/// <summary>
/// <see cref="ISupervisionTokenStore"/> shared by every controller replica: a used nonce is a Redis key set with
/// <c>SET NX PX</c>, so a cross-switch token is accepted once in the whole cluster, whichever replica sees it.
/// </summary>
/// <remarks>Public so that applications without DI can create it. Key: <c>{prefix}:nonce:{nonce}</c>, dropped by Redis
/// when the token has expired. When Redis cannot answer it throws <see cref="SupervisionCoordinationException"/> and the
/// verifier refuses the token (fail closed).</remarks>
public sealed class RedisSupervisionTokenStore : ISupervisionTokenStore
{
    private readonly RedisCoordinationConnection _connection;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a store on a connection.</summary>
    /// <param name="connection">The replica's Redis connection.</param>
    /// <param name="timeProvider">The clock the expiry is measured against; <see cref="TimeProvider.System"/> when null.</param>
    public RedisSupervisionTokenStore(RedisCoordinationConnection connection, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        if (nonce.Length > 64 || !nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException("A nonce is 1-64 base64url characters.", nameof(nonce));
        }

        TimeSpan remaining = expiresAt - _timeProvider.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }

        // Redis keeps at least a millisecond; rounding up never forgets a nonce early.
        TimeSpan keep = TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds));
        RedisKey key = _connection.KeyPrefix + "nonce:" + nonce;
        return await _connection.RunAsync(
            "token-consume",
            db => db.StringSetAsync(key, "1", keep, When.NotExists),
            cancellationToken).ConfigureAwait(false);
    }
}
