using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Permissions;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// How a replica's own supervisions and the coordinator's leases make one list: each supervision once, by the
/// supervisor's own leg, with the replica that runs it; decisions still in progress and malformed records left out.
/// </summary>
public sealed class ClusterWideSupervisionsTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private static readonly UserIdentity Benjamin = new("pbx.lab", "1010");
    private static readonly UserIdentity Olivia = new("pbx.lab", "1004");
    private static readonly DateTimeOffset Noon = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Noon);

    [Fact]
    public async Task Every_running_supervision_is_listed_once_with_its_replica_and_unfinished_or_malformed_leases_are_left_out()
    {
        var coordinator = new InMemorySupervisionCoordinator(_time);
        const string mine = "aaaa0000-0001", theirs = "aaaa0000-0002", deciding = "aaaa0000-0003", arrived = "aaaa0000-0004", broken = "aaaa0000-0005";
        await coordinator.TryAcquireAsync(new SupervisionLeaseKey("local", mine), "replica-a", Lease, Running("cccc0000-0001", SupervisionMode.Spy));
        await coordinator.TryAcquireAsync(new SupervisionLeaseKey("local", theirs), "replica-b", Lease, Running("cccc0000-0002", SupervisionMode.Barge));
        await coordinator.TryAcquireAsync(new SupervisionLeaseKey("local", deciding), "replica-b", Lease, new SupervisionLeaseDetails { Since = Noon });
        // A cross-switch supervision: the lease is on the leg that arrived at the agent's switch; it is listed by the origin leg.
        await coordinator.TryAcquireAsync(new SupervisionLeaseKey("fs-b", arrived), "replica-b", Lease, Running("cccc0000-0004", SupervisionMode.Whisper) with { SupervisorLegId = "dddd0000-0004", SupervisorSwitch = "fs-a", AgentSwitch = "fs-b" });
        await coordinator.TryAcquireAsync(new SupervisionLeaseKey("local", broken), "replica-b", Lease, Running("not a leg\r\n", SupervisionMode.Spy));

        // This replica's own entry for its leg is fresher than the lease (a mode switch not renewed yet): it wins.
        SupervisionInfo local = new(mine, Benjamin, "cccc0000-0001", Olivia, SupervisionMode.Whisper, Noon) { Replica = "replica-a" };
        IReadOnlyList<SupervisionInfo> listed = await ClusterWideSupervisions.ListAsync(coordinator, [local], CancellationToken.None);

        Assert.Equal([mine, theirs, "dddd0000-0004"], listed.Select(s => s.SupervisorLegId).Order(StringComparer.Ordinal));
        Assert.Same(local, Assert.Single(listed, s => s.SupervisorLegId == mine));
        SupervisionInfo other = Assert.Single(listed, s => s.SupervisorLegId == theirs);
        Assert.Equal(("replica-b", SupervisionMode.Barge, Benjamin, Olivia), (other.Replica, other.Mode, other.Supervisor, other.Agent));
        Assert.Null(other.SupervisorSwitch);
        SupervisionInfo across = Assert.Single(listed, s => s.SupervisorLegId == "dddd0000-0004");
        Assert.Equal(("fs-a", "fs-b", "replica-b"), (across.SupervisorSwitch, across.AgentSwitch, across.Replica));

        // A lease that ran out (its replica died, nobody adopted yet) is not listed.
        _time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { local }, await ClusterWideSupervisions.ListAsync(coordinator, [local], CancellationToken.None));
    }

    [Fact]
    public async Task A_supervision_this_replica_still_lists_but_whose_lease_another_replica_took_is_listed_as_the_other_replicas()
    {
        var coordinator = new InMemorySupervisionCoordinator(_time);
        const string leg = "aaaa0000-0001";
        await coordinator.TryAcquireAsync(new SupervisionLeaseKey("local", leg), "replica-b", Lease, Running("cccc0000-0001", SupervisionMode.Barge));
        SupervisionInfo stale = new(leg, Benjamin, "cccc0000-0001", Olivia, SupervisionMode.Spy, Noon) { Replica = "replica-a" };

        SupervisionInfo listed = Assert.Single(await ClusterWideSupervisions.ListAsync(coordinator, [stale], CancellationToken.None));

        Assert.Equal(("replica-b", SupervisionMode.Barge), (listed.Replica, listed.Mode));
    }

    [Fact]
    public async Task Asked_for_a_supervision_it_does_not_run_a_replica_names_the_one_that_does_or_says_there_is_none()
    {
        var coordinator = new InMemorySupervisionCoordinator(_time);
        await coordinator.TryAcquireAsync(new SupervisionLeaseKey("local", "aaaa0000-0001"), "replica-b", Lease, Running("cccc0000-0001", SupervisionMode.Spy));

        PermissionDecision elsewhere = await ClusterWideSupervisions.NotRunHereAsync(coordinator, "replica-a", "AAAA0000-0001", CancellationToken.None);
        PermissionDecision nowhere = await ClusterWideSupervisions.NotRunHereAsync(coordinator, "replica-a", "aaaa0000-0009", CancellationToken.None);
        PermissionDecision down = await ClusterWideSupervisions.NotRunHereAsync(new Unavailable(), "replica-a", "aaaa0000-0001", CancellationToken.None);

        Assert.Equal(DenialReason.RunByAnotherReplica, elsewhere.Reason);
        Assert.Contains("replica-b", elsewhere.Detail, StringComparison.Ordinal);
        Assert.Equal(DenialReason.NoSuchSupervision, nowhere.Reason);
        Assert.Equal(DenialReason.NoSuchSupervision, down.Reason);
        await Assert.ThrowsAsync<SupervisionCoordinationException>(async () => await ClusterWideSupervisions.ListAsync(new Unavailable(), [], CancellationToken.None));
    }

    [Fact]
    public void The_refusal_settle_window_is_zero_or_between_10_ms_and_5_s()
    {
        var validator = new SupervisionCoordinationOptionsValidator();
        foreach (double ms in new[] { 0, 10, 250, 5000 })
        {
            Assert.True(validator.Validate(null, new SupervisionCoordinationOptions { RefusalSettleWindow = TimeSpan.FromMilliseconds(ms) }).Succeeded, $"{ms} ms");
        }

        foreach (double ms in new[] { -1, 1, 9, 5001 })
        {
            Assert.Contains("RefusalSettleWindow", validator.Validate(null, new SupervisionCoordinationOptions { RefusalSettleWindow = TimeSpan.FromMilliseconds(ms) }).FailureMessage, StringComparison.Ordinal);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(250), new SupervisionCoordinationOptions().RefusalSettleWindow);
    }

    private static SupervisionLeaseDetails Running(string agentLeg, SupervisionMode mode) => new()
    {
        Supervisor = Benjamin,
        Agent = Olivia,
        AgentLegId = agentLeg,
        Mode = mode,
        Since = Noon,
    };

    /// <summary>A coordinator whose store cannot be reached.</summary>
    private sealed class Unavailable : ISupervisionCoordinator
    {
        public ValueTask<SupervisionLeaseResult> TryAcquireAsync(SupervisionLeaseKey key, string owner, TimeSpan leaseTime, SupervisionLeaseDetails details, CancellationToken cancellationToken = default) => throw new SupervisionCoordinationException();

        public ValueTask<SupervisionLease?> RenewAsync(SupervisionLease lease, TimeSpan leaseTime, SupervisionLeaseDetails? details = null, CancellationToken cancellationToken = default) => throw new SupervisionCoordinationException();

        public ValueTask<bool> ReleaseAsync(SupervisionLease lease, CancellationToken cancellationToken = default) => throw new SupervisionCoordinationException();

        public ValueTask<SupervisionLeaseRecord?> GetHolderAsync(SupervisionLeaseKey key, CancellationToken cancellationToken = default) => throw new SupervisionCoordinationException();

        public ValueTask<IReadOnlyList<SupervisionLeaseRecord>> ListActiveAsync(CancellationToken cancellationToken = default) => throw new SupervisionCoordinationException();

        public ValueTask<bool> IsCurrentAsync(SupervisionLeaseKey key, long fence, CancellationToken cancellationToken = default) => throw new SupervisionCoordinationException();
    }
}
