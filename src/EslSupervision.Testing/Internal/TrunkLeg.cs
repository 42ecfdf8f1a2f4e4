namespace EslSupervision.Testing.Internal;

/// <summary>
/// The SIP side of a leg that crosses a peer link: <see cref="Remote"/> holds the other end (<see cref="RemoteUuid"/>).
/// Both ends know each other's uuid from the start, as the caller picks the peer leg's uuid when it sends the INVITE.
/// </summary>
internal sealed class TrunkLeg(FakeFreeSwitch remote, string remoteUuid, bool outbound)
{
    public FakeFreeSwitch Remote { get; } = remote;

    public string RemoteUuid { get; } = remoteUuid;

    /// <summary>True on the calling switch's outbound leg, false on the peer's inbound leg.</summary>
    public bool Outbound { get; } = outbound;

    /// <summary>Set once the other end has been told (BYE/CANCEL sent or received), so a hang-up does not echo back.</summary>
    public bool Closed { get; set; }
}

/// <summary>A <c>bridge</c> to a peer switch run on a leg of the calling switch: the outbound trunk leg and the bridge application.</summary>
internal sealed class PeerBridge(FakeChannel outLeg, string applicationUuid, string data)
{
    public FakeChannel Out { get; } = outLeg;

    public string ApplicationUuid { get; } = applicationUuid;

    public string Data { get; } = data;

    public bool Answered { get; set; }

    /// <summary>True when the bridge runs from a dialplan extension (<c>inline</c>): the leg hangs up once it returns, as no application follows.</summary>
    public bool HangupWhenDone { get; set; }

    /// <summary>The caller's ring timeout (<c>call_timeout</c>/<c>originate_timeout</c>), stopped once the bridge answers or ends.</summary>
    public ITimer? Timer { get; set; }
}
