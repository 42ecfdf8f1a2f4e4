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

    /// <summary>The supervisions running now.</summary>
    IReadOnlyList<SupervisionInfo> ActiveSupervisions { get; }

    /// <summary>Starts a supervision from code: the supervisor's phone rings, then the usual start sequence runs.</summary>
    /// <param name="request">Who, whom and how.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task<SupervisionStartResult> StartSupervisionAsync(SupervisionStartRequest request, CancellationToken cancellationToken = default);

    /// <summary>Switches a running supervision to another mode, after checking the supervisor may use it.</summary>
    /// <param name="supervisorLegId">The supervisor's leg, as listed in <see cref="ActiveSupervisions"/>.</param>
    /// <param name="mode">The new mode.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    Task<PermissionDecision> SwitchModeAsync(string supervisorLegId, SupervisionMode mode, CancellationToken cancellationToken = default);

    /// <summary>Ends a running supervision.</summary>
    /// <param name="supervisorLegId">The supervisor's leg, as listed in <see cref="ActiveSupervisions"/>.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    Task<bool> EndAsync(string supervisorLegId, CancellationToken cancellationToken = default);
}
