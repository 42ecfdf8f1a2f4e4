using EslSupervision.Calls;

namespace EslSupervision.Control;

/// <summary>
/// A supervision started from code (a dashboard button) rather than a service code: the switch calls the
/// supervisor's own phone and, once answered, joins the agent's call in <see cref="Mode"/>.
/// </summary>
/// <param name="Supervisor">The supervisor, as the caller's own authentication established it (never taken from user input).</param>
/// <param name="AgentExtension">The agent's extension in the supervisor's tenant.</param>
/// <param name="Mode">The mode to start in.</param>
/// <remarks>Public because it is what <see cref="SupervisionController.StartSupervisionAsync"/> takes.</remarks>
public sealed record SupervisionStartRequest(UserIdentity Supervisor, string AgentExtension, SupervisionMode Mode)
{
    /// <summary>How long the supervisor's phone may ring before the request counts as not answered (1 to 300 seconds). Default 30 seconds.</summary>
    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
