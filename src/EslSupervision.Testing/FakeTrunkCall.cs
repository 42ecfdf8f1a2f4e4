namespace EslSupervision.Testing;

/// <summary>
/// A call arriving at a <see cref="FakeFreeSwitch"/> over a peer link (see <see cref="FakeFreeSwitch.LinkPeer"/>), as the
/// switch's dialplan sees it; passed to <see cref="FakeFreeSwitchOptions.TrunkCallFilter"/>.
/// </summary>
/// <param name="SourceAddress">The calling switch's SIP address as <c>host:port</c> (<c>variable_sip_network_ip</c> and port).</param>
/// <param name="DestinationNumber">The dialled destination (<c>Caller-Destination-Number</c>).</param>
/// <param name="CallerIdName">The caller name sent by the calling switch.</param>
/// <param name="CallerIdNumber">The caller number sent by the calling switch.</param>
/// <param name="FromSwitch">The fake that placed the call.</param>
public sealed record FakeTrunkCall(string SourceAddress, string DestinationNumber, string CallerIdName, string CallerIdNumber, FakeFreeSwitch FromSwitch);
