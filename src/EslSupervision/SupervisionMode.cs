namespace EslSupervision;

/// <summary>How a supervisor joins an agent's call.</summary>
/// <remarks>Public because every request, decision and audit entry names a mode.</remarks>
public enum SupervisionMode
{
    /// <summary>The supervisor listens; nobody hears the supervisor.</summary>
    Spy = 0,

    /// <summary>The supervisor listens and only the agent hears the supervisor.</summary>
    Whisper = 1,

    /// <summary>The supervisor listens and both the agent and the other party hear the supervisor.</summary>
    Barge = 2,
}
