namespace EslSupervision.Permissions;

/// <summary>Why a supervision request was denied.</summary>
/// <remarks>Public because decisions and audit entries carry it, and a permission provider of your own denies with it.</remarks>
public enum DenialReason
{
    /// <summary>Not denied.</summary>
    None = 0,

    /// <summary>Supervision is switched off (or not configured) for the tenant.</summary>
    SupervisionDisabled,

    /// <summary>The supervisor's leg is not digest-authenticated (no <c>user_name</c>/<c>domain_name</c>).</summary>
    Unauthenticated,

    /// <summary>The target belongs to another tenant than the supervisor.</summary>
    CrossTenant,

    /// <summary>The supervisor tried to supervise their own call.</summary>
    SelfSupervision,

    /// <summary>The target leg is itself a supervisor's (eavesdropping) leg.</summary>
    TargetIsSupervisorLeg,

    /// <summary>The agent has no active bridged call.</summary>
    AgentNotOnCall,

    /// <summary>The caller is not a supervisor of a group the agent belongs to.</summary>
    NotASupervisor,

    /// <summary>The supervisor may not use the requested mode.</summary>
    ModeNotAllowed,

    /// <summary>The permission provider failed or gave no usable answer.</summary>
    ProviderError,

    /// <summary>The permission provider did not answer within <see cref="SupervisionOptions.PermissionTimeout"/>.</summary>
    ProviderTimeout,

    /// <summary>The dialled service code is not valid.</summary>
    InvalidServiceCode,

    /// <summary>The agent is not known.</summary>
    UnknownAgent,

    /// <summary>No supervision runs on the given supervisor leg (a mode switch or end asked through the API).</summary>
    NoSuchSupervision,

    /// <summary>
    /// With several switches: a leg arrived from a peer switch with a relay token that was refused (forged, expired,
    /// used before, for another switch, unreadable) or from a leg that may not carry one; the detail names the reason.
    /// </summary>
    InvalidToken,

    /// <summary>With several switches: the agent's call is on another switch that cannot be reached for supervision now.</summary>
    SwitchUnavailable,

    /// <summary>With several controller replicas: the coordinator (for example Redis) cannot answer, so no replica may take the lease a new supervision needs.</summary>
    CoordinationUnavailable,

    /// <summary>
    /// With several controller replicas: the supervision runs, but on another replica (named in the detail and in
    /// <see cref="Control.SupervisionInfo.Replica"/>); only that replica can switch or end it.
    /// </summary>
    RunByAnotherReplica,
}

/// <summary>
/// The answer to a supervision request: allowed, or denied with a <see cref="DenialReason"/> and a detail
/// (modelled on ASP.NET Core's <c>AuthorizationResult</c>). Create it with <see cref="Allow"/> or <see cref="Deny"/>.
/// </summary>
/// <remarks>Public because permission providers return it and <see cref="Control.SupervisionController.SwitchModeAsync"/> answers with it.</remarks>
public sealed class PermissionDecision
{
    private static readonly PermissionDecision Allowed = new(DenialReason.None, "Allowed.");

    private PermissionDecision(DenialReason reason, string detail)
    {
        Reason = reason;
        Detail = detail;
    }

    /// <summary>Whether supervision is allowed.</summary>
    public bool IsAllowed => Reason == DenialReason.None;

    /// <summary>Why it was denied, or <see cref="DenialReason.None"/> when allowed.</summary>
    public DenialReason Reason { get; }

    /// <summary>A human-readable detail for logs and audit.</summary>
    public string Detail { get; }

    /// <summary>A decision that allows supervision.</summary>
    public static PermissionDecision Allow() => Allowed;

    /// <summary>A decision that denies supervision.</summary>
    /// <param name="reason">Why; must not be <see cref="DenialReason.None"/>.</param>
    /// <param name="detail">A human-readable detail.</param>
    public static PermissionDecision Deny(DenialReason reason, string detail)
    {
        if (reason == DenialReason.None)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "A denial needs a reason.");
        }

        return new PermissionDecision(reason, detail ?? string.Empty);
    }

    /// <summary>A short description.</summary>
    public override string ToString() => IsAllowed ? "Allowed" : $"Denied ({Reason}): {Detail}";
}

/// <summary>A request to supervise an agent, as given to an <see cref="ISupervisionPermissionProvider"/>.</summary>
/// <param name="Tenant">The tenant (PBX domain) of both supervisor and agent.</param>
/// <param name="SupervisorExtension">The supervisor's authenticated extension.</param>
/// <param name="AgentExtension">The agent's extension.</param>
/// <param name="Mode">The requested mode.</param>
/// <remarks>Public because it is what an <see cref="ISupervisionPermissionProvider"/> is asked.</remarks>
public sealed record SupervisionRequest(string Tenant, string SupervisorExtension, string AgentExtension, SupervisionMode Mode);

/// <summary>
/// Decides whether a supervisor may supervise an agent in a mode. Called when a supervision starts and on
/// every mode switch, after the built-in guards (tenant enabled, authentication, same tenant, not oneself,
/// agent on a bridged call) have passed. Exceptions, time-outs and missing answers count as denials.
/// </summary>
/// <remarks>Public because it is the main replacement point: who may supervise whom, from your own directory.</remarks>
public interface ISupervisionPermissionProvider
{
    /// <summary>Decides one request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancelled when the answer is no longer wanted (time-out or caller).</param>
    ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken);
}
