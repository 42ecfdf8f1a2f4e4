namespace EslSupervision.Cluster;

/// <summary>
/// The single-process <see cref="ISupervisionCoordinator"/>: leases in memory, expiry on a <see cref="TimeProvider"/>,
/// fences from one counter. The default when no shared store is configured; it never fails for lack of a store.
/// </summary>
/// <remarks>
/// Public so that an application (or a test) can register or wrap it explicitly. It coordinates only the callers of
/// this one instance: with several controller processes use a shared implementation such as the Redis one.
/// Thread-safe.
/// </remarks>
public sealed class InMemorySupervisionCoordinator : ISupervisionCoordinator
{
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<SupervisionLeaseKey, SupervisionLeaseRecord> _leases = [];
    private readonly Lock _gate = new();
    private long _lastFence;

    /// <summary>Creates a coordinator.</summary>
    /// <param name="timeProvider">The clock that decides expiry; <see cref="TimeProvider.System"/> when null.</param>
    public InMemorySupervisionCoordinator(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public ValueTask<SupervisionLeaseResult> TryAcquireAsync(
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
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (TryGetLive(key, now, out SupervisionLeaseRecord? holder))
            {
                return ValueTask.FromResult(SupervisionLeaseResult.HeldBy(holder));
            }

            var lease = new SupervisionLease(key, owner, ++_lastFence, now + leaseTime);
            _leases[key] = new SupervisionLeaseRecord(lease, details);
            return ValueTask.FromResult(SupervisionLeaseResult.Granted(lease));
        }
    }

    /// <inheritdoc/>
    public ValueTask<SupervisionLease?> RenewAsync(
        SupervisionLease lease,
        TimeSpan leaseTime,
        SupervisionLeaseDetails? details = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        CoordinationArguments.ThrowIfNotLeaseTime(leaseTime);
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (!TryGetLive(lease.Key, now, out SupervisionLeaseRecord? current) || current.Lease.Fence != lease.Fence)
            {
                return ValueTask.FromResult<SupervisionLease?>(null);
            }

            SupervisionLease renewed = current.Lease with { ExpiresAt = now + leaseTime };
            _leases[lease.Key] = new SupervisionLeaseRecord(renewed, details ?? current.Details);
            return ValueTask.FromResult<SupervisionLease?>(renewed);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> ReleaseAsync(SupervisionLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (!TryGetLive(lease.Key, now, out SupervisionLeaseRecord? current) || current.Lease.Fence != lease.Fence)
            {
                return ValueTask.FromResult(false);
            }

            _leases.Remove(lease.Key);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask<SupervisionLeaseRecord?> GetHolderAsync(SupervisionLeaseKey key, CancellationToken cancellationToken = default)
    {
        ThrowIfDefault(key);
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            return ValueTask.FromResult(TryGetLive(key, now, out SupervisionLeaseRecord? holder) ? holder : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SupervisionLeaseRecord>> ListActiveAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            var live = new List<SupervisionLeaseRecord>(_leases.Count);
            foreach (SupervisionLeaseKey key in _leases.Keys.ToList())
            {
                if (TryGetLive(key, now, out SupervisionLeaseRecord? record))
                {
                    live.Add(record);
                }
            }

            return ValueTask.FromResult<IReadOnlyList<SupervisionLeaseRecord>>(live);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> IsCurrentAsync(SupervisionLeaseKey key, long fence, CancellationToken cancellationToken = default)
    {
        ThrowIfDefault(key);
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            return ValueTask.FromResult(TryGetLive(key, now, out SupervisionLeaseRecord? current) && current.Lease.Fence == fence);
        }
    }

    /// <summary>The unexpired lease of <paramref name="key"/>; an expired one is forgotten on the way.</summary>
    private bool TryGetLive(SupervisionLeaseKey key, DateTimeOffset now, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SupervisionLeaseRecord? record)
    {
        if (_leases.TryGetValue(key, out record))
        {
            if (record.Lease.ExpiresAt > now)
            {
                return true;
            }

            _leases.Remove(key);
        }

        record = null;
        return false;
    }

    private static void ThrowIfDefault(SupervisionLeaseKey key)
    {
        if (key.Switch is null)
        {
            throw new ArgumentException("The lease key is empty.", nameof(key));
        }
    }
}
