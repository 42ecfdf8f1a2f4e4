using System.Globalization;
using EslSupervision.Cluster;
using StackExchange.Redis;

namespace EslSupervision.Redis;

/// <summary>
/// <see cref="ISupervisionCoordinator"/> shared by every controller replica through Redis: one Lua script per
/// operation, so each is atomic and takes one round trip.
/// </summary>
/// <remarks>
/// <para>Public so that applications without DI can create it. Keys (all in one Redis Cluster slot, by the braces):
/// <c>{prefix}:lease:{switch}:{leg}</c> a hash (owner, fence, expiry, details) that Redis also drops on its own some
/// time after expiry; <c>{prefix}:fence</c> the one fence counter (<c>INCR</c>), seeded from Redis's clock in
/// microseconds so that fences keep growing across a Redis restart that lost it; <c>{prefix}:active</c> a sorted
/// set of running leases by expiry, for <see cref="ListActiveAsync"/>.</para>
/// <para>Expiry is judged with this replica's <see cref="TimeProvider"/> (see <see cref="ISupervisionCoordinator"/>).
/// When Redis is unreachable or slow every call throws <see cref="SupervisionCoordinationException"/> within
/// <see cref="RedisCoordinationOptions.OperationTimeout"/>.</para>
/// </remarks>
public sealed class RedisSupervisionCoordinator : ISupervisionCoordinator
{
    private readonly RedisCoordinationConnection _connection;
    private readonly TimeProvider _timeProvider;
    private readonly RedisKey _fenceKey;
    private readonly RedisKey _activeKey;
    private readonly string _leasePrefix;

    /// <summary>Creates a coordinator on a connection.</summary>
    /// <param name="connection">The replica's Redis connection.</param>
    /// <param name="timeProvider">The clock that decides expiry; <see cref="TimeProvider.System"/> when null.</param>
    public RedisSupervisionCoordinator(RedisCoordinationConnection connection, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _fenceKey = connection.KeyPrefix + "fence";
        _activeKey = connection.KeyPrefix + "active";
        _leasePrefix = connection.KeyPrefix + "lease:";
    }

    /// <inheritdoc/>
    public async ValueTask<SupervisionLeaseResult> TryAcquireAsync(
        SupervisionLeaseKey key,
        string owner,
        TimeSpan leaseTime,
        SupervisionLeaseDetails details,
        CancellationToken cancellationToken = default)
    {
        ThrowIfDefault(key);
        CoordinationArguments.ThrowIfNotOwner(owner);
        CoordinationArguments.ThrowIfNotLeaseTime(leaseTime);
        ArgumentNullException.ThrowIfNull(details);

        DateTimeOffset now = _timeProvider.GetUtcNow();
        DateTimeOffset expiresAt = now + leaseTime;
        var args = new List<RedisValue> { owner, Ms(now), Ms(expiresAt), PhysicalTtlMs(leaseTime), key.ToString() };
        RedisLeaseFields.AddDetails(args, details);

        RedisResult result = await _connection.RunAsync(
            "acquire",
            db => db.ScriptEvaluateAsync(RedisLeaseScripts.Acquire, [LeaseKey(key), _fenceKey, _activeKey], [.. args]),
            cancellationToken).ConfigureAwait(false);

        RedisResult[] parts = (RedisResult[])result!;
        if (parts.Length == 2 && (string?)parts[0] == "acquired" && long.TryParse((string?)parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long fence))
        {
            return SupervisionLeaseResult.Granted(new SupervisionLease(key, owner, fence, FromMs(Ms(expiresAt))));
        }

        if (parts.Length >= 1 && (string?)parts[0] == "held" && RedisLeaseFields.Read(key, parts.AsSpan(1)) is { } holder)
        {
            return SupervisionLeaseResult.HeldBy(holder);
        }

        // Fail closed: a lease we cannot read is not ours.
        RedisLog.UnreadableRecord(_connection.Logger, key.ToString());
        throw new SupervisionCoordinationException($"Redis answered 'acquire' for {key} with an unreadable lease record.");
    }

    /// <inheritdoc/>
    public async ValueTask<SupervisionLease?> RenewAsync(
        SupervisionLease lease,
        TimeSpan leaseTime,
        SupervisionLeaseDetails? details = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        CoordinationArguments.ThrowIfNotLeaseTime(leaseTime);
        DateTimeOffset now = _timeProvider.GetUtcNow();
        DateTimeOffset expiresAt = now + leaseTime;
        var args = new List<RedisValue>
        {
            lease.Fence.ToString(CultureInfo.InvariantCulture), Ms(now), Ms(expiresAt), PhysicalTtlMs(leaseTime), lease.Key.ToString(),
            details is null ? "0" : "1",
        };
        if (details is not null)
        {
            RedisLeaseFields.AddDetails(args, details);
        }

        RedisResult result = await _connection.RunAsync(
            "renew",
            db => db.ScriptEvaluateAsync(RedisLeaseScripts.Renew, [LeaseKey(lease.Key), _activeKey], [.. args]),
            cancellationToken).ConfigureAwait(false);
        return (long)result == 1 ? lease with { ExpiresAt = FromMs(Ms(expiresAt)) } : null;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> ReleaseAsync(SupervisionLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        RedisValue[] args = [lease.Fence.ToString(CultureInfo.InvariantCulture), Ms(_timeProvider.GetUtcNow()), lease.Key.ToString()];
        RedisResult result = await _connection.RunAsync(
            "release",
            db => db.ScriptEvaluateAsync(RedisLeaseScripts.Release, [LeaseKey(lease.Key), _activeKey], args),
            cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <inheritdoc/>
    public async ValueTask<SupervisionLeaseRecord?> GetHolderAsync(SupervisionLeaseKey key, CancellationToken cancellationToken = default)
    {
        ThrowIfDefault(key);
        HashEntry[] hash = await _connection.RunAsync("holder", db => db.HashGetAllAsync(LeaseKey(key)), cancellationToken).ConfigureAwait(false);
        if (hash.Length == 0)
        {
            return null;
        }

        RedisResult[] pairs = hash.SelectMany(e => new[] { RedisResult.Create(e.Name), RedisResult.Create(e.Value) }).ToArray();
        SupervisionLeaseRecord? record = RedisLeaseFields.Read(key, pairs);
        if (record is null)
        {
            RedisLog.UnreadableRecord(_connection.Logger, key.ToString());
            throw new SupervisionCoordinationException($"Redis holds an unreadable lease record for {key}.");
        }

        return record.Lease.ExpiresAt > _timeProvider.GetUtcNow() ? record : null;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<SupervisionLeaseRecord>> ListActiveAsync(CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = _timeProvider.GetUtcNow();
        RedisResult result = await _connection.RunAsync(
            "list",
            db => db.ScriptEvaluateAsync(RedisLeaseScripts.List, [_activeKey], [Ms(now), _leasePrefix]),
            cancellationToken).ConfigureAwait(false);

        RedisResult[] parts = (RedisResult[])result!;
        var records = new List<SupervisionLeaseRecord>(parts.Length / 2);
        for (int i = 0; i + 1 < parts.Length; i += 2)
        {
            if (SupervisionLeaseKey.TryParse((string?)parts[i], out SupervisionLeaseKey key)
                && RedisLeaseFields.Read(key, (RedisResult[])parts[i + 1]!) is { } record
                && record.Lease.ExpiresAt > now)
            {
                records.Add(record);
            }
            else if (!SupervisionLeaseKey.TryParse((string?)parts[i], out _))
            {
                RedisLog.UnreadableRecord(_connection.Logger, "(unreadable member)");
            }
        }

        return records;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> IsCurrentAsync(SupervisionLeaseKey key, long fence, CancellationToken cancellationToken = default)
    {
        ThrowIfDefault(key);
        RedisValue[] values = await _connection.RunAsync(
            "is-current",
            db => db.HashGetAsync(LeaseKey(key), ["fence", "exp"]),
            cancellationToken).ConfigureAwait(false);
        return values.Length == 2
            && long.TryParse((string?)values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long current) && current == fence
            && long.TryParse((string?)values[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long exp)
            && exp > _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
    }

    private RedisKey LeaseKey(SupervisionLeaseKey key) => _leasePrefix + key.ToString();

    private static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>When Redis drops a lease hash on its own: well after its expiry, only so that a dead replica's leases do not stay forever.</summary>
    private static long PhysicalTtlMs(TimeSpan leaseTime) => (long)(leaseTime + TimeSpan.FromTicks(Math.Max(leaseTime.Ticks, TimeSpan.FromSeconds(5).Ticks))).TotalMilliseconds;

    private static void ThrowIfDefault(SupervisionLeaseKey key)
    {
        if (key.Switch is null)
        {
            throw new ArgumentException("The lease key is empty.", nameof(key));
        }
    }
}
