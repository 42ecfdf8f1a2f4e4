using System.Collections.Concurrent;
using EslSupervision.Cluster;
using EslSupervision.Tests.Control;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Passes every call through to the real coordinator and records what the replicas did with their leases: each
/// acquisition attempt (key, replica, outcome), each renewal; it can also stall a replica's renewals (a long pause).
/// </summary>
internal sealed class LeaseRecorder
{
    private readonly List<(string Key, string Owner, bool Acquired)> _attempts = [];
    private readonly List<(string Key, SupervisionMode Mode)> _recordedModes = [];
    private readonly List<string> _renewals = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Signal)> _waiters = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _paused = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _refused = new(StringComparer.Ordinal);

    public ISupervisionCoordinator Wrap(ISupervisionCoordinator inner) => new Recording(inner, this);

    /// <summary>Attempts on <paramref name="key"/> (<c>switch:leg</c>) by <paramref name="owner"/>, optionally only those with that outcome.</summary>
    public int Attempts(string key, string owner, bool? acquired = null)
    {
        lock (_attempts)
        {
            return _attempts.Count(a => a.Key == key && a.Owner == owner && (acquired is null || a.Acquired == acquired));
        }
    }

    /// <summary>Attempts by anyone on any leg of <paramref name="switchName"/>.</summary>
    public int AttemptsOnSwitch(string switchName)
    {
        lock (_attempts)
        {
            return _attempts.Count(a => a.Key.StartsWith(switchName + ":", StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Attempts by anyone on <paramref name="legId"/>, on whichever switch.</summary>
    public int AttemptsOnLeg(string legId)
    {
        lock (_attempts)
        {
            return _attempts.Count(a => a.Key.EndsWith(":" + legId, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>The replica that was granted the lease on <paramref name="legId"/>.</summary>
    public string WinnerOf(string legId)
    {
        lock (_attempts)
        {
            return _attempts.Single(a => a.Acquired && a.Key.EndsWith(":" + legId, StringComparison.OrdinalIgnoreCase)).Owner;
        }
    }

    /// <summary>Completes once two replicas (or one, twice) have asked for the lease on <paramref name="legId"/>.</summary>
    public Task BothAnsweredAsync(string legId) => WhenAsync(l => l.AttemptsOnLeg(legId) >= 2);

    /// <summary>Completes once <paramref name="owner"/> has renewed a lease <paramref name="count"/> times.</summary>
    public Task RenewalsAsync(string owner, int count) => WhenAsync(l => l.Renewals(owner) >= count);

    /// <summary>Whether a renewal wrote <paramref name="mode"/> into the lease on <paramref name="key"/> (<c>switch:leg</c>).</summary>
    public bool RecordedMode(string key, SupervisionMode mode)
    {
        lock (_attempts)
        {
            return _recordedModes.Contains((key.ToLowerInvariant(), mode));
        }
    }

    private int Renewals(string owner)
    {
        lock (_attempts)
        {
            return _renewals.Count(o => o == owner);
        }
    }

    /// <summary>Completes once <paramref name="condition"/> holds (checked after every recorded attempt and renewal).</summary>
    public Task WhenAsync(Func<LeaseRecorder, bool> condition)
    {
        lock (_attempts)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((() => condition(this), signal));
            return signal.Task.WaitAsync(SupervisionHarness.Patience);
        }
    }

    /// <summary>From now on the replica's renewals stall (a long pause) until <see cref="Resume"/>.</summary>
    public void Pause(string owner) => _paused[owner] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Resume(string owner)
    {
        if (_paused.TryRemove(owner, out TaskCompletionSource? gate))
        {
            gate.TrySetResult();
        }
    }

    /// <summary>Completes when a renewal of <paramref name="owner"/> was answered "lost".</summary>
    public Task RenewalRefusedAsync(string owner) => Refused(owner).Task.WaitAsync(SupervisionHarness.Patience);

    private TaskCompletionSource Refused(string owner) => _refused.GetOrAdd(owner, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private void Record(SupervisionLeaseKey key, string owner, bool acquired) => Record(() => _attempts.Add((key.ToString(), owner, acquired)));

    private void RecordMode(SupervisionLeaseKey key, SupervisionMode mode) => Record(() => _recordedModes.Add((key.ToString().ToLowerInvariant(), mode)));

    private void Record(Action add)
    {
        lock (_attempts)
        {
            add();
            foreach (var waiter in _waiters.Where(w => w.Condition()).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Recording(ISupervisionCoordinator inner, LeaseRecorder recorder) : ISupervisionCoordinator
    {
        public async ValueTask<SupervisionLeaseResult> TryAcquireAsync(SupervisionLeaseKey key, string owner, TimeSpan leaseTime, SupervisionLeaseDetails details, CancellationToken cancellationToken = default)
        {
            SupervisionLeaseResult result = await inner.TryAcquireAsync(key, owner, leaseTime, details, cancellationToken);
            recorder.Record(key, owner, result.Acquired);
            return result;
        }

        public async ValueTask<SupervisionLease?> RenewAsync(SupervisionLease lease, TimeSpan leaseTime, SupervisionLeaseDetails? details = null, CancellationToken cancellationToken = default)
        {
            if (recorder._paused.TryGetValue(lease.Owner, out TaskCompletionSource? gate))
            {
                await gate.Task;
            }

            SupervisionLease? renewed = await inner.RenewAsync(lease, leaseTime, details, cancellationToken);
            if (renewed is null)
            {
                recorder.Refused(lease.Owner).TrySetResult();
            }
            else
            {
                recorder.Record(() => recorder._renewals.Add(lease.Owner));
                if (details?.Mode is { } mode)
                {
                    recorder.RecordMode(lease.Key, mode);
                }
            }

            return renewed;
        }

        public ValueTask<bool> ReleaseAsync(SupervisionLease lease, CancellationToken cancellationToken = default) => inner.ReleaseAsync(lease, cancellationToken);

        public ValueTask<SupervisionLeaseRecord?> GetHolderAsync(SupervisionLeaseKey key, CancellationToken cancellationToken = default) => inner.GetHolderAsync(key, cancellationToken);

        public ValueTask<IReadOnlyList<SupervisionLeaseRecord>> ListActiveAsync(CancellationToken cancellationToken = default) => inner.ListActiveAsync(cancellationToken);

        public ValueTask<bool> IsCurrentAsync(SupervisionLeaseKey key, long fence, CancellationToken cancellationToken = default) => inner.IsCurrentAsync(key, fence, cancellationToken);
    }
}
