namespace EslSupervision.Testing;

/// <summary>Settings of a <see cref="FakeFreeSwitch"/>.</summary>
public sealed class FakeFreeSwitchOptions
{
    /// <summary>The password <c>auth</c> accepts. Required; there is no default password.</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>The port to listen on at 127.0.0.1; 0 (default) lets the OS choose. Set it to bring a switch up where a client already tries to connect.</summary>
    public int Port { get; set; }

    /// <summary>The clock for timestamps, park timeouts and linger (use FakeTimeProvider in tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary><c>FreeSWITCH-Hostname</c> / <c>FreeSWITCH-Switchname</c>.</summary>
    public string Hostname { get; set; } = "fake";

    /// <summary><c>Core-UUID</c>; random when null.</summary>
    public string? CoreUuid { get; set; }

    /// <summary>Default for <see cref="FakeConnection.WriteChunkSize"/> on every new connection.</summary>
    public int? WriteChunkSize { get; set; }

    /// <summary>When set, every new connection splits writes randomly with this seed.</summary>
    public int? RandomChunkSeed { get; set; }

    /// <summary>The largest random chunk (with <see cref="RandomChunkSeed"/>).</summary>
    public int RandomChunkMaxSize { get; set; } = 64;

    /// <summary>Default for <see cref="FakeConnection.RestrictedApi"/> on every new inbound connection.</summary>
    public bool RestrictedApi { get; set; }

    /// <summary>
    /// How often a <c>HEARTBEAT</c> event fires on <see cref="TimeProvider"/>, to connections subscribed to it, as
    /// FreeSWITCH does (<c>event-heartbeat-interval</c>, 20 seconds by default). Null or zero: no heartbeats.
    /// </summary>
    public TimeSpan? HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// This switch's SIP address (<c>host</c> or <c>host:port</c>, port 5060 when omitted), as peers see it: the
    /// <c>variable_sip_network_ip</c>/<c>variable_sip_received_ip</c> of the legs it places on a peer, and the host a peer's
    /// <c>sofia/&lt;profile&gt;/&lt;dest&gt;@&lt;host&gt;[:port]</c> dial string must name to reach it. Null: <c>127.0.0.1</c>
    /// with a port unique to this process, so every fake has its own address. One address serves all profiles.
    /// </summary>
    public string? SipAddress { get; set; }

    /// <summary>The dialplan context of calls arriving over a peer link (<c>Caller-Context</c>); <c>public</c> by default.</summary>
    public string TrunkContext { get; set; } = "public";

    /// <summary>
    /// The trunk dialplan's admission check (the ACL of the inter-switch path): called for every call arriving over a peer
    /// link, it returns null to let the dialplan park the call, or a hang-up cause (e.g. <c>CALL_REJECTED</c>) to refuse it.
    /// A refused call is created, runs <c>hangup &lt;cause&gt;</c> and the caller's <c>bridge</c> fails with that cause; a
    /// value that is not a cause name (<c>[A-Z_]+</c>) refuses with <c>CALL_REJECTED</c>. Null admits every call. It runs
    /// under the switch's lock: it must not call back into the fake.
    /// </summary>
    public Func<FakeTrunkCall, string?>? TrunkCallFilter { get; set; }

    /// <summary>
    /// When true the trunk dialplan answers an admitted call before parking it (<c>answer</c>, <c>park</c>), so the caller's
    /// <c>bridge</c> completes at once. False (default): it only parks, as a dialplan of <c>park</c> alone does, and the
    /// caller's <c>bridge</c> completes when the leg is answered on this switch (e.g. the controller's <c>answer</c>).
    /// </summary>
    public bool AnswerTrunkCalls { get; set; }

    /// <summary>
    /// Whether the trunk dialplan sets <c>esl_supervision_peer=true</c> on an admitted call whose destination starts
    /// with <c>sup-</c> before parking it, as the shipped <c>freeswitch-conf/dialplan/public/00_esl_supervision_peer.xml</c>
    /// does. True (default). False models a switch where such a call was parked by some other extension.
    /// </summary>
    public bool MarkSupervisionPeers { get; set; } = true;
}
