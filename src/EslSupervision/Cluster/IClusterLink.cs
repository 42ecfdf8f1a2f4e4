using EslSupervision.Calls;
using EslSupervision.Control;

namespace EslSupervision.Cluster;

/// <summary>
/// What one switch's <see cref="SupervisionController"/> needs from the cluster: where a leg is, how to hand a
/// supervisor's leg to another switch, whether a leg arriving from a peer may supervise, and how to tell the other
/// side that its half of a cross-switch supervision is over.
/// </summary>
internal interface IClusterLink
{
    /// <summary>The name of the switch this link belongs to.</summary>
    string LocalSwitch { get; }

    /// <summary>Which switch holds a leg, or <see langword="null"/> if no switch's registry knows it.</summary>
    string? SwitchOf(string legId);

    /// <summary>Whether a parked destination has the shape of a relay token (it is checked fully later).</summary>
    bool IsRelayDestination(string? destination);

    /// <summary>
    /// Which replica lease an arriving leg falls under: the origin leg named in its token, read WITHOUT verifying it
    /// (every replica reads the same, so they compete for the same key; the token is checked later by the one that
    /// wins). <see langword="null"/> when the destination does not parse.
    /// </summary>
    (string OriginSwitch, string OriginLegId)? PeekOrigin(string? destination);

    /// <summary>Whether a controller of this process relays that leg now (so this process already holds its lease).</summary>
    bool RelaysHere(string originSwitch, string originLegId);

    /// <summary>
    /// The dial string that moves a supervisor's leg to <see cref="RelayClaims.TargetSwitch"/> for these claims (a
    /// fresh single-use token as destination); <see langword="null"/> with the reason when that is not possible.
    /// </summary>
    (string? DialString, string? Failure) PrepareRelay(RelayClaims claims);

    /// <summary>Checks a token that arrived on this switch: signature, expiry, single use, target switch.</summary>
    ValueTask<RelayTokenCheck> CheckArrivalAsync(string token, CancellationToken cancellationToken);

    /// <summary>What started a supervision relayed from <paramref name="originSwitch"/> (a service code, or a start from code); <see cref="SupervisionTrigger.ServiceCode"/> when not known.</summary>
    SupervisionTrigger TriggerOf(string originSwitch, string originLegId);

    /// <summary>The peer switch accepted the token: the origin leg's relay is now owned by the peer's controller.</summary>
    void RelayArrived(string originSwitch, string originLegId);

    /// <summary>The peer decided about a leg relayed to it (started, denied, failed).</summary>
    void RelayDecided(string originSwitch, string originLegId, SupervisionStartResult result);

    /// <summary>The origin (supervisor's) leg is gone: the peer ends its half.</summary>
    void OriginEnded(string targetSwitch, string originLegId);

    /// <summary>The peer ended its half (agent's call ended, ended by API, revoked): the origin leg goes too.</summary>
    void RelayEnded(string originSwitch, string originLegId);
}

/// <summary>What a relay token binds: who supervises whom, from which leg on which switch, in which mode, on which switch.</summary>
/// <param name="Supervisor">The supervisor's identity, as authenticated on the origin switch.</param>
/// <param name="OriginSwitch">The switch holding the supervisor's leg.</param>
/// <param name="OriginLegId">The supervisor's leg on the origin switch.</param>
/// <param name="AgentLegId">The agent's own leg on the target switch.</param>
/// <param name="Agent">The agent (tenant and extension).</param>
/// <param name="Mode">The mode that was authorized.</param>
/// <param name="TargetSwitch">The switch holding the agent's leg, the only one that may accept the token.</param>
internal sealed record RelayClaims(UserIdentity Supervisor, string OriginSwitch, string OriginLegId, string AgentLegId, UserIdentity Agent, SupervisionMode Mode, string TargetSwitch);

/// <summary>The outcome of checking an arriving token: the claims, or why it was refused.</summary>
/// <param name="Claims">The claims of an accepted token.</param>
/// <param name="Refusal">Why it was refused (a short reason name, no token material).</param>
internal sealed record RelayTokenCheck(RelayClaims? Claims, string? Refusal)
{
    public bool IsAccepted => Claims is not null;

    public static RelayTokenCheck Accepted(RelayClaims claims) => new(claims, null);

    public static RelayTokenCheck Refused(string reason) => new(null, reason);
}
