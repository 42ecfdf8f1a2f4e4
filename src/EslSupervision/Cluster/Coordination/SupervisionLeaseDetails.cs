using EslSupervision.Calls;

namespace EslSupervision.Cluster;

/// <summary>
/// What the replicas record about a running supervision next to its lease, so that any replica can list the
/// cluster's supervisions (and adopt one whose holder died) without asking the replica that runs it.
/// </summary>
/// <remarks>Public because it is passed to and read from <see cref="ISupervisionCoordinator"/>. Every part is optional:
/// a lease taken for a decision that has not found its agent yet carries none.</remarks>
public sealed record SupervisionLeaseDetails
{
    /// <summary>Nothing known yet.</summary>
    public static SupervisionLeaseDetails None { get; } = new();

    /// <summary>The supervisor's authenticated identity.</summary>
    public UserIdentity? Supervisor { get; init; }

    /// <summary>
    /// The supervisor's leg as the cluster lists it, when it is not the lease's own leg: for a supervision across
    /// switches, the supervisor's leg on the origin switch (the lease is on the leg that arrived at the agent's switch).
    /// </summary>
    public string? SupervisorLegId { get; init; }

    /// <summary>The switch holding the supervisor's (origin) leg (with several switches).</summary>
    public string? SupervisorSwitch { get; init; }

    /// <summary>The agent's leg being supervised.</summary>
    public string? AgentLegId { get; init; }

    /// <summary>The switch holding the agent's leg (with several switches).</summary>
    public string? AgentSwitch { get; init; }

    /// <summary>The agent of that leg.</summary>
    public UserIdentity? Agent { get; init; }

    /// <summary>The current mode, once the eavesdrop runs.</summary>
    public SupervisionMode? Mode { get; init; }

    /// <summary>When the supervision started (or was adopted).</summary>
    public DateTimeOffset? Since { get; init; }
}
