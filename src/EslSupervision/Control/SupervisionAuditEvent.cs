using EslSupervision.Calls;
using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <summary>What happened to a supervision, for the audit stream.</summary>
/// <remarks>Public because it is <see cref="SupervisionAuditEvent.Kind"/>.</remarks>
public enum SupervisionAuditKind
{
    /// <summary>A supervisor dialed a service code (or the switch connected a service-code call in outbound mode).</summary>
    Requested,

    /// <summary>The request was refused; see <see cref="SupervisionAuditEvent.DenialReason"/>.</summary>
    Denied,

    /// <summary>Eavesdrop started on the agent's leg.</summary>
    Started,

    /// <summary>A running supervision found on the switch after a (re)connect was taken over again.</summary>
    Adopted,

    /// <summary>The mode changed.</summary>
    ModeChanged,

    /// <summary>A mode change was refused; nothing changed.</summary>
    ModeChangeDenied,

    /// <summary>The supervision ended; see <see cref="SupervisionAuditEvent.EndReason"/>.</summary>
    Ended,
}

/// <summary>What caused a mode change.</summary>
/// <remarks>Public because it is <see cref="SupervisionAuditEvent.Trigger"/>.</remarks>
public enum SupervisionTrigger
{
    /// <summary>The service code the supervisor dialed.</summary>
    ServiceCode,

    /// <summary>A key the supervisor pressed.</summary>
    Digit,

    /// <summary>A call of <see cref="SupervisionController.SwitchModeAsync"/> or <see cref="SupervisionController.EndAsync"/>.</summary>
    Api,

    /// <summary>A settings reload or a provider's change signal took the current mode away; the controller moved to an allowed one.</summary>
    PermissionChange,
}

/// <summary>Why a supervision ended.</summary>
/// <remarks>Public because it is <see cref="SupervisionAuditEvent.EndReason"/>.</remarks>
public enum SupervisionEndReason
{
    /// <summary>The agent's call ended (eavesdrop returned); the supervisor's leg was hung up.</summary>
    AgentCallEnded,

    /// <summary>The supervisor hung up.</summary>
    SupervisorHungUp,

    /// <summary>Ended through <see cref="SupervisionController.EndAsync"/>.</summary>
    EndedByApi,

    /// <summary>The supervision was gone from the switch when the controller looked again after a reconnect.</summary>
    LostWhileDisconnected,

    /// <summary>Setting up eavesdrop failed; the supervisor's leg was hung up.</summary>
    StartFailed,

    /// <summary>
    /// Re-checked after a settings reload or a provider's change signal, the supervisor may no longer supervise the
    /// agent (or the tenant was switched off, or no allowed mode is left); the supervisor's leg was hung up.
    /// <see cref="SupervisionAuditEvent.DenialReason"/> says why.
    /// </summary>
    PermissionRevoked,
}

/// <summary>One entry of the audit stream. Carries identities (tenant and extension), never phone numbers.</summary>
/// <remarks>Public because <see cref="SupervisionController.Audit"/> and <see cref="ISupervisionAuditSink"/> carry it: it is the audit trail.</remarks>
public sealed record SupervisionAuditEvent
{
    /// <summary>What happened.</summary>
    public required SupervisionAuditKind Kind { get; init; }

    /// <summary>When it happened.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The supervisor's leg.</summary>
    public required string SupervisorLegId { get; init; }

    /// <summary>The supervisor (authenticated identity), if known.</summary>
    public UserIdentity? Supervisor { get; init; }

    /// <summary>The agent (from the service code or the leg), if known.</summary>
    public UserIdentity? Agent { get; init; }

    /// <summary>The agent's leg being eavesdropped, if known.</summary>
    public string? AgentLegId { get; init; }

    /// <summary>The mode (the new mode for changes).</summary>
    public SupervisionMode? Mode { get; init; }

    /// <summary>The mode before a change.</summary>
    public SupervisionMode? PreviousMode { get; init; }

    /// <summary>What caused it.</summary>
    public SupervisionTrigger? Trigger { get; init; }

    /// <summary>The key pressed, for digit triggers.</summary>
    public string? Digit { get; init; }

    /// <summary>Why it was refused.</summary>
    public DenialReason? DenialReason { get; init; }

    /// <summary>A human-readable detail (no phone numbers).</summary>
    public string? Detail { get; init; }

    /// <summary>Why it ended.</summary>
    public SupervisionEndReason? EndReason { get; init; }

    /// <summary>How long it ran, for <see cref="SupervisionAuditKind.Ended"/>.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>
    /// With several switches: the switch holding the supervisor's leg (<see cref="SupervisorLegId"/>);
    /// <see langword="null"/> with one switch, or when a leg arriving from a peer could not be traced to one.
    /// </summary>
    public string? SupervisorSwitch { get; init; }

    /// <summary>With several switches: the switch holding the agent's leg; <see langword="null"/> with one switch or when not known.</summary>
    public string? AgentSwitch { get; init; }
}

/// <summary>
/// A running supervision: a supervisor's leg eavesdropping on an agent's leg. The one type for it, both in
/// <see cref="SupervisionController.ActiveSupervisions"/> (the supervisions this controller runs) and in
/// <see cref="CallRegistrySnapshot.Supervisions"/> (every eavesdrop the switch reports).
/// </summary>
/// <remarks>Public because dashboards list running supervisions and pass <see cref="SupervisorLegId"/> back to
/// <see cref="SupervisionController.SwitchModeAsync"/> and <see cref="SupervisionController.EndAsync"/>.</remarks>
/// <param name="SupervisorLegId">The supervisor's leg.</param>
/// <param name="Supervisor">The supervisor's authenticated identity, if known.</param>
/// <param name="AgentLegId">The agent's leg, the one eavesdropped on.</param>
/// <param name="Agent">The agent of that leg, if known.</param>
/// <param name="Mode">The current mode; always known for the controller's own supervisions, <see langword="null"/> in a registry snapshot when the switch did not report it.</param>
/// <param name="Since">When it started (or was adopted).</param>
public sealed record SupervisionInfo(string SupervisorLegId, UserIdentity? Supervisor, string AgentLegId, UserIdentity? Agent, SupervisionMode? Mode, DateTimeOffset Since)
{
    /// <summary>With several switches: the switch holding the supervisor's leg; <see langword="null"/> with one switch.</summary>
    public string? SupervisorSwitch { get; init; }

    /// <summary>With several switches: the switch holding the agent's leg; <see langword="null"/> with one switch.</summary>
    public string? AgentSwitch { get; init; }

    /// <summary>
    /// With controller replicas: the replica that runs it (its lease holder, see <see cref="Cluster.SupervisionCoordinationOptions.ReplicaId"/>);
    /// <see langword="null"/> without coordination and in a registry snapshot. <see cref="ISupervisionOperations.SwitchModeAsync"/>
    /// and <see cref="ISupervisionOperations.EndAsync"/> act only on the replica named here.
    /// </summary>
    public string? Replica { get; init; }
}
