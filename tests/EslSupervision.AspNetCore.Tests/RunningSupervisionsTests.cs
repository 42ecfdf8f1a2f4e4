using EslSupervision.AspNetCore.Internal;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Permissions;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>What the dashboard shows of running supervisions with controller replicas: every replica's, or, while the coordinator is down, this replica's own marked as partial.</summary>
public class RunningSupervisionsTests
{
    private static readonly SupervisionInfo Here = new("aaaa0000-0001", new UserIdentity("pbx.lab", "1010"), "cccc0000-0001", new UserIdentity("pbx.lab", "1004"), SupervisionMode.Spy, DateTimeOffset.UnixEpoch) { Replica = "replica-a" };
    private static readonly SupervisionInfo There = Here with { SupervisorLegId = "aaaa0000-0002", Replica = "replica-b" };

    [Fact]
    public async Task The_page_lists_every_replicas_supervisions_while_the_coordinator_answers()
    {
        (IReadOnlyList<SupervisionInfo> list, bool partial) = await RunningSupervisions.ReadAsync(new Operations(coordinatorUp: true), CancellationToken.None);

        Assert.Equal(new[] { Here, There }, list);
        Assert.False(partial);
    }

    [Fact]
    public async Task With_the_coordinator_down_the_page_shows_this_replicas_own_supervisions_marked_partial()
    {
        (IReadOnlyList<SupervisionInfo> list, bool partial) = await RunningSupervisions.ReadAsync(new Operations(coordinatorUp: false), CancellationToken.None);

        Assert.Equal(new[] { Here }, list);
        Assert.True(partial);
    }

    private sealed class Operations(bool coordinatorUp) : ISupervisionOperations
    {
        public IObservable<SupervisionAuditEvent> Audit => System.Reactive.Linq.Observable.Empty<SupervisionAuditEvent>();

        public IReadOnlyList<SupervisionInfo> ActiveSupervisions => [Here];

        public ValueTask<IReadOnlyList<SupervisionInfo>> ListActiveSupervisionsAsync(CancellationToken cancellationToken = default)
            => coordinatorUp ? ValueTask.FromResult<IReadOnlyList<SupervisionInfo>>([Here, There]) : throw new SupervisionCoordinationException("Redis is down.");

        public Task<SupervisionStartResult> StartSupervisionAsync(SupervisionStartRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PermissionDecision> SwitchModeAsync(string supervisorLegId, SupervisionMode mode, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> EndAsync(string supervisorLegId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
