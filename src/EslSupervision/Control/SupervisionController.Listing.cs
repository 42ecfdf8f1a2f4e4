using EslSupervision.Cluster;
using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <content>The running supervisions of every replica, and a clear answer when a switch or end is asked of the wrong one.</content>
public sealed partial class SupervisionController
{
    /// <summary>
    /// The supervisions running now on every replica: this replica's own (<see cref="ActiveSupervisions"/>) merged
    /// with the coordinator's leases, each listed once with the replica that runs it (<see cref="SupervisionInfo.Replica"/>).
    /// Without coordination it is <see cref="ActiveSupervisions"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the coordinator's answer.</param>
    /// <returns>The supervisions, oldest first.</returns>
    /// <remarks>
    /// Another replica's start, adoption or mode change is listed as soon as that replica has written it into its
    /// lease (right after the change, one coordinator round trip). A replica that died is listed until its lease
    /// runs out; its supervisions then reappear under the replica that adopts them.
    /// </remarks>
    /// <exception cref="SupervisionCoordinationException">
    /// The coordinator cannot answer. Never a silently partial list: a caller that can make do with this replica's
    /// own supervisions reads <see cref="ActiveSupervisions"/> and says so.
    /// </exception>
    public ValueTask<IReadOnlyList<SupervisionInfo>> ListActiveSupervisionsAsync(CancellationToken cancellationToken = default)
        => _coordination is { } coordination
            ? ClusterWideSupervisions.ListAsync(coordination.Coordinator, ActiveSupervisions, cancellationToken)
            : ValueTask.FromResult(ActiveSupervisions);

    /// <summary>The coordinator this controller shares with other replicas, if any (the cluster lists through it).</summary>
    internal ISupervisionCoordinator? Coordinator => _coordination?.Coordinator;

    /// <summary>A switch asked of a controller that does not run the supervision: which replica does, if the coordinator knows.</summary>
    private Task<PermissionDecision> NotRunHereAsync(string supervisorLegId, CancellationToken cancellationToken)
        => _coordination is { } coordination && EslIdentifiers.IsChannelUuid(supervisorLegId)
            ? ClusterWideSupervisions.NotRunHereAsync(coordination.Coordinator, coordination.ReplicaId, supervisorLegId, cancellationToken)
            : Task.FromResult(ClusterWideSupervisions.NoSuchSupervision);
}
