using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <summary>How a <see cref="SupervisionController.StartSupervisionAsync"/> request ended.</summary>
/// <remarks>Public because it is <see cref="SupervisionStartResult.Outcome"/>.</remarks>
public enum SupervisionStartOutcome
{
    /// <summary>The supervisor answered and eavesdrop runs on the agent's leg.</summary>
    Started,

    /// <summary>The authorizer refused (before the phone rang, or again once it was answered); see <see cref="SupervisionStartResult.Decision"/>.</summary>
    Denied,

    /// <summary>The supervisor's phone rang but was not answered (time-out, busy, rejected); see <see cref="SupervisionStartResult.HangupCause"/>.</summary>
    NotAnswered,

    /// <summary>The phone could not be reached (not registered, unknown user) or the set-up failed.</summary>
    Failed,
}

/// <summary>The result of <see cref="SupervisionController.StartSupervisionAsync"/>.</summary>
/// <remarks>Public because <see cref="SupervisionController.StartSupervisionAsync"/> returns it: a dashboard shows the outcome and keeps the leg id to switch or end the supervision.</remarks>
public sealed class SupervisionStartResult
{
    private SupervisionStartResult(SupervisionStartOutcome outcome, string? supervisorLegId)
    {
        Outcome = outcome;
        SupervisorLegId = supervisorLegId;
    }

    /// <summary>How it ended.</summary>
    public SupervisionStartOutcome Outcome { get; }

    /// <summary>Whether the supervision runs now.</summary>
    public bool IsStarted => Outcome == SupervisionStartOutcome.Started;

    /// <summary>The supervisor's leg (use it with <see cref="SupervisionController.SwitchModeAsync"/> and <see cref="SupervisionController.EndAsync"/>); null when no leg was created.</summary>
    public string? SupervisorLegId { get; }

    /// <summary>The refusal, for <see cref="SupervisionStartOutcome.Denied"/>.</summary>
    public PermissionDecision? Decision { get; private init; }

    /// <summary>The switch's hang-up cause, for <see cref="SupervisionStartOutcome.NotAnswered"/> and a failed call (e.g. <c>NO_ANSWER</c>, <c>USER_NOT_REGISTERED</c>).</summary>
    public string? HangupCause { get; private init; }

    /// <summary>A human-readable detail (no phone numbers).</summary>
    public string? Detail { get; private init; }

    internal static SupervisionStartResult Started(string legId) => new(SupervisionStartOutcome.Started, legId) { Detail = "Started." };

    internal static SupervisionStartResult Denied(string? legId, PermissionDecision decision) => new(SupervisionStartOutcome.Denied, legId) { Decision = decision, Detail = decision.Detail };

    internal static SupervisionStartResult NotAnswered(string legId, string? cause) => new(SupervisionStartOutcome.NotAnswered, legId) { HangupCause = cause, Detail = "The supervisor's phone was not answered." };

    internal static SupervisionStartResult Failed(string? legId, string detail, string? cause = null) => new(SupervisionStartOutcome.Failed, legId) { HangupCause = cause, Detail = detail };

    /// <summary>The same result naming another leg (a peer switch decided about the leg that arrived there; the caller knows the origin leg).</summary>
    internal SupervisionStartResult ForLeg(string legId) => new(Outcome, legId) { Decision = Decision, HangupCause = HangupCause, Detail = Detail };
}
