namespace EslSupervision.Calls;

/// <summary>A PBX user: the tenant (PBX domain) and the extension (SIP user name).</summary>
/// <param name="Tenant">The tenant's PBX domain, e.g. <c>pbx.lab</c>.</param>
/// <param name="Extension">The extension, e.g. <c>1004</c>.</param>
/// <remarks>Public because legs, audit entries and running supervisions name users with it.</remarks>
public sealed record UserIdentity(string Tenant, string Extension)
{
    /// <summary>The identity as <c>extension@tenant</c>.</summary>
    public override string ToString() => $"{Extension}@{Tenant}";
}

/// <summary>The direction of a leg as FreeSWITCH reports it (<c>Call-Direction</c>).</summary>
/// <remarks>Public because it is <see cref="CallLeg.Direction"/>.</remarks>
public enum CallDirection
{
    /// <summary>Not reported.</summary>
    Unknown = 0,

    /// <summary>The leg came into the switch (someone called it).</summary>
    Inbound,

    /// <summary>The switch originated the leg (it called someone).</summary>
    Outbound,
}

/// <summary>Where a leg is in its life.</summary>
/// <remarks>Public because it is <see cref="CallLeg.State"/>.</remarks>
public enum CallLegState
{
    /// <summary>Created (ringing, early media, ...), not answered.</summary>
    Created = 0,

    /// <summary>Answered but not bridged to another leg.</summary>
    Answered,

    /// <summary>Parked (waiting for a controller).</summary>
    Parked,

    /// <summary>Bridged to another leg: an active conversation.</summary>
    Bridged,

    /// <summary>Hung up; the record disappears when the channel is destroyed.</summary>
    Ended,
}

/// <summary>What a supervisor's leg is doing: eavesdropping on a target leg.</summary>
/// <param name="TargetLegId">The leg being eavesdropped on (the agent's own leg).</param>
/// <param name="Since">When the eavesdrop started.</param>
/// <param name="Mode">The mode stored on the supervisor's channel (<c>esl_supervision_mode</c>), if known.</param>
/// <remarks>Public because it is <see cref="CallLeg.Supervising"/>.</remarks>
public sealed record LegSupervision(string TargetLegId, DateTimeOffset Since, SupervisionMode? Mode);

/// <summary>
/// An immutable view of one channel (leg) tracked by the <see cref="CallRegistry"/>. Identities come only from the
/// authenticated/dialled user variables; the one number it keeps (<see cref="PartyNumber"/>) is for display only.
/// </summary>
/// <remarks>Public because the registry's snapshots and changes hand legs to dashboards.</remarks>
public sealed record CallLeg
{
    /// <summary>The channel's <c>Unique-ID</c>.</summary>
    public required string UniqueId { get; init; }

    /// <summary>The leg's direction.</summary>
    public CallDirection Direction { get; init; }

    /// <summary>The leg's state.</summary>
    public CallLegState State { get; init; }

    /// <summary>When the leg entered <see cref="State"/>.</summary>
    public DateTimeOffset StateSince { get; init; }

    /// <summary>When the channel was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the channel was answered, if it was.</summary>
    public DateTimeOffset? AnsweredAt { get; init; }

    /// <summary>When the current bridge started, while bridged.</summary>
    public DateTimeOffset? BridgedAt { get; init; }

    /// <summary>The leg this one is bridged to, while bridged.</summary>
    public string? BridgedTo { get; init; }

    /// <summary>The agent whose own leg this is, by the <see cref="IAgentLegRule"/> in use; never from caller ID.</summary>
    public UserIdentity? Agent { get; init; }

    /// <summary>The digest-authenticated user of an inbound leg (<c>user_name</c>@<c>domain_name</c>); the only identity a supervisor has.</summary>
    public UserIdentity? AuthenticatedUser { get; init; }

    /// <summary>What the leg supervises while it runs <c>eavesdrop</c>; <see langword="null"/> otherwise.</summary>
    public LegSupervision? Supervising { get; init; }

    /// <summary>
    /// The outside party's number as the switch reports it on this leg, for display only (never identity or permission):
    /// the caller ID number of an inbound leg (<c>Caller-Caller-ID-Number</c>, <c>cid_num</c>), the dialled number of
    /// an outbound leg (<c>Caller-Destination-Number</c>, <c>dest</c>). Learned from events and again on every resync,
    /// so calls found at start or after a reconnect have it too. <see langword="null"/> when not reported.
    /// </summary>
    public string? PartyNumber { get; init; }

    /// <summary>The tenant the leg belongs to: its agent's or authenticated user's domain, if any.</summary>
    public string? Tenant => Agent?.Tenant ?? AuthenticatedUser?.Tenant;

    /// <summary>Whether the leg is in an active bridged conversation.</summary>
    public bool IsBridged => State == CallLegState.Bridged;

    /// <summary>Whether the leg is a supervisor's leg running <c>eavesdrop</c>.</summary>
    public bool IsSupervising => Supervising is not null;

    /// <summary>The facts the identity was derived from (kept to re-derive it when later events add variables).</summary>
    internal AgentLegFacts Facts { get; init; } = AgentLegFacts.Empty;
}

/// <summary>What changed.</summary>
/// <remarks>Public because it is <see cref="CallChange.Kind"/>.</remarks>
public enum CallChangeKind
{
    /// <summary>A channel appeared.</summary>
    ChannelCreated,

    /// <summary>A channel was answered.</summary>
    ChannelAnswered,

    /// <summary>A channel was parked.</summary>
    ChannelParked,

    /// <summary>A channel left the park.</summary>
    ChannelUnparked,

    /// <summary>A channel was bridged to another (reported for both legs).</summary>
    ChannelBridged,

    /// <summary>A bridge ended (reported for both legs).</summary>
    ChannelUnbridged,

    /// <summary>A channel hung up, or vanished while the connection was down.</summary>
    ChannelEnded,

    /// <summary>A supervisor's leg started eavesdropping on a target leg.</summary>
    SupervisionStarted,

    /// <summary>A supervisor's leg stopped eavesdropping.</summary>
    SupervisionEnded,

    /// <summary>A channel's identity, stored supervision mode or (on a resync) party number changed.</summary>
    ChannelUpdated,
}

/// <summary>One change seen by the <see cref="CallRegistry"/>.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="Leg">The leg after the change (for <see cref="CallChangeKind.SupervisionEnded"/>, still showing the ended supervision).</param>
/// <param name="At">When it happened (the switch's event time when known).</param>
/// <remarks>Public because <see cref="ICallRegistry.Changes"/> publishes it: dashboards follow calls live.</remarks>
public sealed record CallChange(CallChangeKind Kind, CallLeg Leg, DateTimeOffset At);
