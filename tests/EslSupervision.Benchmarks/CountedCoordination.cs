using System.Collections.Concurrent;
using System.Diagnostics;
using EslSupervision.Cluster;

namespace EslSupervision.Benchmarks;

/// <summary>
/// What the replicas asked of the coordinator, shared by the replicas of the replica benchmark: every call counted,
/// the time each lease call took as the controller awaited it, who was granted which leg, and a signal each time an
/// acquisition was answered (the benchmark ends a supervisor's call only after every replica has answered for its
/// park, so that no replica can see a park after the winner released its lease).
/// </summary>
internal sealed class LeaseLedger
{
    private readonly ConcurrentDictionary<string, int> _answered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _granted = new(StringComparer.Ordinal);
    private readonly List<long> _acquireTicks = [];
    private readonly List<long> _fenceTicks = [];
    private long _acquires;
    private long _grants;
    private long _fenceChecks;
    private long _releases;
    private long _renewals;
    private long _holders;
    private long _lists;
    private long _consumes;

    public SemaphoreSlim Answered { get; } = new(0);

    public long Acquires => Interlocked.Read(ref _acquires);

    public long Grants => Interlocked.Read(ref _grants);

    public long FenceChecks => Interlocked.Read(ref _fenceChecks);

    public long Releases => Interlocked.Read(ref _releases);

    public long Renewals => Interlocked.Read(ref _renewals);

    public long Holders => Interlocked.Read(ref _holders);

    public long Lists => Interlocked.Read(ref _lists);

    public long TokenConsumes => Interlocked.Read(ref _consumes);

    public static string Leg(string switchName, string legId) => switchName + "/" + legId;

    /// <summary>How many replicas have had an answer to their acquisition of that leg.</summary>
    public int AnsweredFor(string leg) => _answered.TryGetValue(leg, out int n) ? n : 0;

    /// <summary>Legs granted more than once (a lease held by two replicas at a time would show here).</summary>
    public IEnumerable<string> GrantedTwice => _granted.Where(p => p.Value > 1).Select(p => p.Key);

    public (long[] Acquire, long[] Fence) TakeTicks()
    {
        lock (_acquireTicks)
        {
            long[] acquire = [.. _acquireTicks];
            long[] fence = [.. _fenceTicks];
            _acquireTicks.Clear();
            _fenceTicks.Clear();
            return (acquire, fence);
        }
    }

    public ISupervisionCoordinator Wrap(ISupervisionCoordinator inner) => new Counted(inner, this);

    public ISupervisionTokenStore Wrap(ISupervisionTokenStore inner) => new CountedStore(inner, this);

    private void Record(List<long> into, long start)
    {
        long ticks = Stopwatch.GetTimestamp() - start;
        lock (_acquireTicks)
        {
            into.Add(ticks);
        }
    }

    /// <summary>The replica's Redis coordinator, unchanged underneath: only counts and times around each call.</summary>
    private sealed class Counted(ISupervisionCoordinator inner, LeaseLedger ledger) : ISupervisionCoordinator
    {
        public async ValueTask<SupervisionLeaseResult> TryAcquireAsync(SupervisionLeaseKey key, string owner, TimeSpan leaseTime, SupervisionLeaseDetails details, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref ledger._acquires);
            long start = Stopwatch.GetTimestamp();
            try
            {
                SupervisionLeaseResult result = await inner.TryAcquireAsync(key, owner, leaseTime, details, cancellationToken).ConfigureAwait(false);
                ledger.Record(ledger._acquireTicks, start);
                if (result.Acquired)
                {
                    Interlocked.Increment(ref ledger._grants);
                    ledger._granted.AddOrUpdate(Leg(key.Switch, key.LegId), 1, (_, n) => n + 1);
                }

                return result;
            }
            finally
            {
                ledger._answered.AddOrUpdate(Leg(key.Switch, key.LegId), 1, (_, n) => n + 1);
                ledger.Answered.Release();
            }
        }

        public async ValueTask<bool> IsCurrentAsync(SupervisionLeaseKey key, long fence, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref ledger._fenceChecks);
            long start = Stopwatch.GetTimestamp();
            bool current = await inner.IsCurrentAsync(key, fence, cancellationToken).ConfigureAwait(false);
            ledger.Record(ledger._fenceTicks, start);
            return current;
        }

        public ValueTask<SupervisionLease?> RenewAsync(SupervisionLease lease, TimeSpan leaseTime, SupervisionLeaseDetails? details = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref ledger._renewals);
            return inner.RenewAsync(lease, leaseTime, details, cancellationToken);
        }

        public ValueTask<bool> ReleaseAsync(SupervisionLease lease, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref ledger._releases);
            return inner.ReleaseAsync(lease, cancellationToken);
        }

        public ValueTask<SupervisionLeaseRecord?> GetHolderAsync(SupervisionLeaseKey key, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref ledger._holders);
            return inner.GetHolderAsync(key, cancellationToken);
        }

        public ValueTask<IReadOnlyList<SupervisionLeaseRecord>> ListActiveAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref ledger._lists);
            return inner.ListActiveAsync(cancellationToken);
        }
    }

    private sealed class CountedStore(ISupervisionTokenStore inner, LeaseLedger ledger) : ISupervisionTokenStore
    {
        public ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref ledger._consumes);
            return inner.TryConsumeAsync(nonce, expiresAt, cancellationToken);
        }
    }
}
