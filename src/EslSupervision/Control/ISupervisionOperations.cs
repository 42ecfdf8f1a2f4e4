using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <summary>
/// What dashboards and audit use, the same with one switch (<see cref="SupervisionController"/>) or several
/// (<see cref="Cluster.SupervisionCluster"/>): the running supervisions, the audit stream, and start, switch and end.
/// </summary>
/// <remarks>
/// Public because <c>AddEslSupervision</c> registers it in both modes, so a dashboard written against it works
/// unchanged when the deployment grows from one switch to several.
/// </remarks>
public interface ISupervisionOperations
{
    /// <summary>Every supervision request, refusal, start, mode change and end.</summary>
    IObservable<SupervisionAuditEvent> Audit { get; }

    /// <summary>The supervisions this process runs now (with controller replicas: this replica's only). Synchronous and local: never waits on the coordinator.</summary>
    IReadOnlyList<SupervisionInfo> ActiveSupervisions { get; }

    /// <summary>
    /// The supervisions running now on every controller replica, each listed once, with the replica that runs it
    /// (<see cref="SupervisionInfo.Replica"/>). Without replica coordination it is <see cref="ActiveSupervisions"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the coordinator.</param>
    /// <returns>The supervisions, oldest first.</returns>
    /// <remarks>
    /// No default implementation on purpose: a default could only return <see cref="ActiveSupervisions"/>, and an
    /// implementation that spans replicas but forgot this member would then answer for one replica while claiming
    /// to answer for all, silently wrong on exactly the dashboards that need it. An implementer must decide.
    /// </remarks>
    /// <exception cref="Cluster.SupervisionCoordinationException">
    /// The coordinator cannot answer. The list is never silently partial; a caller that can make do with this
    /// replica's own supervisions falls back to <see cref="ActiveSupervisions"/> and marks the answer as partial.
    /// </exception>
    ValueTask<IReadOnlyList<SupervisionInfo>> ListActiveSupervisionsAsync(CancellationToken cancellationToken = default);

    /// <summary>Starts a supervision from code: the supervisor's phone rings, then the usual start sequence runs.</summary>
    /// <param name="request">Who, whom and how.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task<SupervisionStartResult> StartSupervisionAsync(SupervisionStartRequest request, CancellationToken cancellationToken = default);

    /// <summary>Switches a running supervision to another mode, after checking the supervisor may use it.</summary>
    /// <param name="supervisorLegId">The supervisor's leg, as listed in <see cref="ActiveSupervisions"/>.</param>
    /// <param name="mode">The new mode.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>Allowed, or why not; <see cref="DenialReason.RunByAnotherReplica"/> when another replica runs it (only that one can switch it).</returns>
    Task<PermissionDecision> SwitchModeAsync(string supervisorLegId, SupervisionMode mode, CancellationToken cancellationToken = default);

    /// <summary>Ends a running supervision.</summary>
    /// <param name="supervisorLegId">The supervisor's leg, as listed in <see cref="ActiveSupervisions"/>.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>Whether a supervision was ended here; <see langword="false"/> also when another replica runs it (see <see cref="SupervisionInfo.Replica"/>).</returns>
    Task<bool> EndAsync(string supervisorLegId, CancellationToken cancellationToken = default);
}
