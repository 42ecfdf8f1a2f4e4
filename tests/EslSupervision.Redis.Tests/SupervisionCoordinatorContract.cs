using EslSupervision.Calls;
using EslSupervision.Cluster;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Redis.Tests;

/// <summary>
/// What every <see cref="ISupervisionCoordinator"/> must do, run against each implementation. Two "replicas" are two
/// coordinators over the same store (for Redis: two connections). Expiry is driven by a
/// <see cref="FakeTimeProvider"/>: the contract judges it by the caller's clock, so no test waits for time to pass.
/// </summary>
public abstract class SupervisionCoordinatorContract : IAsyncLifetime
{
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    private readonly List<IAsyncDisposable> _owned = [];

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 6, 16, 0, 0, TimeSpan.Zero));

    /// <summary>Another replica's view of the one shared store.</summary>
    protected abstract ValueTask<ISupervisionCoordinator> CreateReplicaAsync();

    protected void Own(IAsyncDisposable disposable) => _owned.Add(disposable);

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (IAsyncDisposable d in _owned)
        {
            await d.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected static SupervisionLeaseKey NewKey(string switchName = "fs-a") => new(switchName, Guid.NewGuid().ToString());

    protected static SupervisionLeaseDetails Spying(string agentLeg) => new()
    {
        Supervisor = new UserIdentity("pbx.lab", "1001"),
        SupervisorLegId = "bbbb0000-1111",
        SupervisorSwitch = "fs-a",
        Agent = new UserIdentity("pbx.lab", "1004"),
        AgentLegId = agentLeg,
        AgentSwitch = "fs-b",
        Mode = SupervisionMode.Spy,
        Since = new DateTimeOffset(2026, 12, 6, 16, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public async Task Of_two_replicas_racing_for_the_same_leg_exactly_one_gets_the_lease_and_the_other_sees_it()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        ISupervisionCoordinator b = await CreateReplicaAsync();

        for (int i = 0; i < 40; i++)
        {
            SupervisionLeaseKey key = NewKey();
            Task<SupervisionLeaseResult> fromA = a.TryAcquireAsync(key, "replica-a", Lease, SupervisionLeaseDetails.None).AsTask();
            Task<SupervisionLeaseResult> fromB = b.TryAcquireAsync(key, "replica-b", Lease, SupervisionLeaseDetails.None).AsTask();
            SupervisionLeaseResult[] results = await Task.WhenAll(fromA, fromB);

            SupervisionLeaseResult winner = Assert.Single(results, r => r.Acquired);
            SupervisionLeaseResult loser = Assert.Single(results, r => !r.Acquired);
            Assert.Equal(winner.Lease!.Owner, loser.Holder!.Lease.Owner);
            Assert.Equal(winner.Lease.Fence, loser.Holder.Lease.Fence);
        }
    }

    [Fact]
    public async Task A_holder_that_paused_past_its_lease_is_refused_by_fencing_once_another_replica_took_over()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        ISupervisionCoordinator b = await CreateReplicaAsync();
        SupervisionLeaseKey key = NewKey();

        SupervisionLease stale = (await a.TryAcquireAsync(key, "replica-a", Lease, Spying("aaaa0000-1111"))).Lease!;
        Assert.True(await a.IsCurrentAsync(key, stale.Fence));
        Assert.False((await b.TryAcquireAsync(key, "replica-b", Lease, SupervisionLeaseDetails.None)).Acquired);

        // Replica A "pauses" past its lease; B adopts the supervision.
        Time.Advance(Lease + TimeSpan.FromMilliseconds(1));
        SupervisionLeaseResult takeover = await b.TryAcquireAsync(key, "replica-b", Lease, SupervisionLeaseDetails.None);
        Assert.True(takeover.Acquired);
        Assert.True(takeover.Lease.Fence > stale.Fence);

        // A comes back still believing it holds the lease: every action it tries is refused.
        Assert.False(await a.IsCurrentAsync(key, stale.Fence));
        Assert.Null(await a.RenewAsync(stale, Lease));
        Assert.False(await a.ReleaseAsync(stale));
        Assert.True(await b.IsCurrentAsync(key, takeover.Lease.Fence));
        Assert.Equal("replica-b", (await a.GetHolderAsync(key))!.Lease.Owner);
    }

    [Fact]
    public async Task Renewing_keeps_the_lease_past_its_first_expiry_and_records_the_new_mode()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        ISupervisionCoordinator b = await CreateReplicaAsync();
        SupervisionLeaseKey key = NewKey();
        SupervisionLease lease = (await a.TryAcquireAsync(key, "replica-a", Lease, Spying("aaaa0000-2222"))).Lease!;

        Time.Advance(TimeSpan.FromSeconds(8));
        SupervisionLease? renewed = await a.RenewAsync(lease, Lease, Spying("aaaa0000-2222") with { Mode = SupervisionMode.Barge });
        Assert.NotNull(renewed);
        Assert.Equal(lease.Fence, renewed.Fence);
        Assert.Equal(Time.GetUtcNow() + Lease, renewed.ExpiresAt);

        Time.Advance(TimeSpan.FromSeconds(8)); // 16 s after the start: past the first expiry, inside the renewed one
        Assert.True(await a.IsCurrentAsync(key, lease.Fence));
        SupervisionLeaseResult other = await b.TryAcquireAsync(key, "replica-b", Lease, SupervisionLeaseDetails.None);
        Assert.False(other.Acquired);
        Assert.Equal(SupervisionMode.Barge, other.Holder.Details.Mode);
        Assert.Equal("aaaa0000-2222", other.Holder.Details.AgentLegId);
    }

    [Fact]
    public async Task An_expired_lease_cannot_be_renewed_even_when_nobody_took_it()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        SupervisionLeaseKey key = NewKey();
        SupervisionLease lease = (await a.TryAcquireAsync(key, "replica-a", Lease, SupervisionLeaseDetails.None)).Lease!;

        Time.Advance(Lease);

        Assert.Null(await a.RenewAsync(lease, Lease));
        Assert.False(await a.IsCurrentAsync(key, lease.Fence));
        Assert.Null(await a.GetHolderAsync(key));
    }

    [Fact]
    public async Task Releasing_frees_the_leg_at_once_and_only_the_holder_can_release()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        ISupervisionCoordinator b = await CreateReplicaAsync();
        SupervisionLeaseKey key = NewKey();
        SupervisionLease lease = (await a.TryAcquireAsync(key, "replica-a", Lease, SupervisionLeaseDetails.None)).Lease!;

        Assert.False(await b.ReleaseAsync(lease with { Fence = lease.Fence + 1 }));
        Assert.True(await a.IsCurrentAsync(key, lease.Fence));

        Assert.True(await a.ReleaseAsync(lease));
        Assert.False(await a.ReleaseAsync(lease));
        Assert.Null(await b.GetHolderAsync(key));
        SupervisionLeaseResult next = await b.TryAcquireAsync(key, "replica-b", Lease, SupervisionLeaseDetails.None);
        Assert.True(next.Acquired);
        Assert.True(next.Lease.Fence > lease.Fence);
    }

    [Fact]
    public async Task A_lease_is_never_granted_twice_not_even_to_its_own_holder()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        SupervisionLeaseKey key = NewKey();
        SupervisionLease lease = (await a.TryAcquireAsync(key, "replica-a", Lease, SupervisionLeaseDetails.None)).Lease!;

        SupervisionLeaseResult again = await a.TryAcquireAsync(key, "replica-a", Lease, SupervisionLeaseDetails.None);

        Assert.False(again.Acquired);
        Assert.Equal(lease.Fence, again.Holder.Lease.Fence);
    }

    [Fact]
    public async Task Every_replica_lists_the_clusters_running_supervisions_with_owner_switches_mode_and_expiry()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        ISupervisionCoordinator b = await CreateReplicaAsync();
        SupervisionLeaseKey onA = NewKey("fs-a");
        SupervisionLeaseKey onC = NewKey("fs-c");
        SupervisionLeaseKey released = NewKey("fs-a");
        SupervisionLease leaseA = (await a.TryAcquireAsync(onA, "replica-a", Lease, Spying("aaaa0000-3333"))).Lease!;
        Time.Advance(TimeSpan.FromSeconds(5));
        SupervisionLease leaseC = (await b.TryAcquireAsync(onC, "replica-b", Lease, Spying("aaaa0000-4444") with { Mode = SupervisionMode.Whisper })).Lease!;
        SupervisionLease gone = (await b.TryAcquireAsync(released, "replica-b", Lease, SupervisionLeaseDetails.None)).Lease!;
        Assert.True(await b.ReleaseAsync(gone));

        IReadOnlyList<SupervisionLeaseRecord> fromA = await a.ListActiveAsync();
        IReadOnlyList<SupervisionLeaseRecord> fromB = await b.ListActiveAsync();

        foreach (IReadOnlyList<SupervisionLeaseRecord> list in new[] { fromA, fromB })
        {
            Assert.Equal(2, list.Count(r => r.Lease.Key == onA || r.Lease.Key == onC));
            Assert.DoesNotContain(list, r => r.Lease.Key == released);
            SupervisionLeaseRecord a1 = Assert.Single(list, r => r.Lease.Key == onA);
            Assert.Equal(leaseA, a1.Lease);
            Assert.Equal(Spying("aaaa0000-3333"), a1.Details);
            SupervisionLeaseRecord c1 = Assert.Single(list, r => r.Lease.Key == onC);
            Assert.Equal("replica-b", c1.Lease.Owner);
            Assert.Equal("fs-c", c1.Lease.Key.Switch);
            Assert.Equal(SupervisionMode.Whisper, c1.Details.Mode);
            Assert.Equal(leaseC.ExpiresAt, c1.Lease.ExpiresAt);
        }

        // A's lease runs out (its replica died): it leaves the list, B's stays.
        Time.Advance(TimeSpan.FromSeconds(5));
        IReadOnlyList<SupervisionLeaseRecord> later = await b.ListActiveAsync();
        Assert.DoesNotContain(later, r => r.Lease.Key == onA);
        Assert.Contains(later, r => r.Lease.Key == onC);
    }

    [Fact]
    public async Task Fences_only_grow_across_releases_and_takeovers_of_any_leg()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        ISupervisionCoordinator b = await CreateReplicaAsync();
        SupervisionLeaseKey key = NewKey();
        long last = 0;
        for (int i = 0; i < 6; i++)
        {
            ISupervisionCoordinator who = i % 2 == 0 ? a : b;
            SupervisionLease lease = (await who.TryAcquireAsync(key, i % 2 == 0 ? "replica-a" : "replica-b", Lease, SupervisionLeaseDetails.None)).Lease!;
            Assert.True(lease.Fence > last, $"fence {lease.Fence} after {last}");
            last = lease.Fence;
            if (i % 3 == 0)
            {
                Time.Advance(Lease);
            }
            else
            {
                Assert.True(await who.ReleaseAsync(lease));
            }
        }
    }

    [Fact]
    public async Task Malformed_owners_and_lease_times_are_refused_before_anything_is_stored()
    {
        ISupervisionCoordinator a = await CreateReplicaAsync();
        SupervisionLeaseKey key = NewKey();

        await Assert.ThrowsAsync<ArgumentException>(async () => await a.TryAcquireAsync(key, "replica a\r\n", Lease, SupervisionLeaseDetails.None));
        await Assert.ThrowsAsync<ArgumentException>(async () => await a.TryAcquireAsync(key, "", Lease, SupervisionLeaseDetails.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await a.TryAcquireAsync(key, "replica-a", TimeSpan.Zero, SupervisionLeaseDetails.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await a.TryAcquireAsync(key, "replica-a", TimeSpan.FromHours(1), SupervisionLeaseDetails.None));
        await Assert.ThrowsAsync<ArgumentException>(async () => await a.GetHolderAsync(default));

        Assert.Null(await a.GetHolderAsync(key));
    }
}

/// <summary>The contract for the single-process default.</summary>
public sealed class InMemorySupervisionCoordinatorContractTests : SupervisionCoordinatorContract
{
    private InMemorySupervisionCoordinator? _shared;

    protected override ValueTask<ISupervisionCoordinator> CreateReplicaAsync()
        => ValueTask.FromResult<ISupervisionCoordinator>(_shared ??= new InMemorySupervisionCoordinator(Time));
}

/// <summary>The contract for Redis, against a real redis-server.</summary>
public sealed class RedisSupervisionCoordinatorContractTests(RedisServerFixture redis) : SupervisionCoordinatorContract, IClassFixture<RedisServerFixture>
{
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N");

    protected override async ValueTask<ISupervisionCoordinator> CreateReplicaAsync()
    {
        var connection = new RedisCoordinationConnection(new RedisCoordinationOptions { ConnectionString = redis.Server.ConnectionString, KeyPrefix = _prefix });
        Own(connection);
        Assert.True(await connection.ConnectAsync());
        return new RedisSupervisionCoordinator(connection, Time);
    }
}
