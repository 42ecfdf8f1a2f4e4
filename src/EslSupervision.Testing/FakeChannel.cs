using System.Globalization;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <summary>
/// One scripted channel (call leg) of the <see cref="FakeFreeSwitch"/>. Read its state from tests; change it through the
/// switch's operations (<see cref="FakeFreeSwitch.Hangup"/>, <see cref="FakeFreeSwitch.PressDigitAsync"/>, ESL commands).
/// </summary>
public sealed class FakeChannel
{
    private readonly object _gate;
    private readonly List<KeyValuePair<string, string>> _variables = [];

    internal FakeChannel(object gate, string uuid, string direction, string name, long createdMicros)
    {
        _gate = gate;
        Uuid = uuid;
        Direction = direction;
        Name = name;
        CreatedMicros = createdMicros;
        CallUuid = uuid;
    }

    /// <summary>The channel's <c>Unique-ID</c>.</summary>
    public string Uuid { get; }

    /// <summary><c>inbound</c> or <c>outbound</c> (<c>Call-Direction</c>).</summary>
    public string Direction { get; }

    /// <summary>The channel name, e.g. <c>sofia/internal/1010@pbx.lab</c>.</summary>
    public string Name { get; }

    /// <summary>The channel state, e.g. <c>CS_EXECUTE</c>, <c>CS_REPORTING</c>, <c>CS_DESTROY</c>.</summary>
    public string State { get; internal set; } = "CS_INIT";

    /// <summary>The call state, e.g. <c>DOWN</c>, <c>RINGING</c>, <c>ACTIVE</c>, <c>HANGUP</c>.</summary>
    public string CallState { get; internal set; } = "DOWN";

    /// <summary>Whether the channel has been answered.</summary>
    public bool IsAnswered { get; internal set; }

    /// <summary>Whether the channel has hung up.</summary>
    public bool IsHungUp { get; internal set; }

    /// <summary>Whether the channel is parked.</summary>
    public bool IsParked { get; internal set; }

    /// <summary>The hang-up cause once hung up, else null.</summary>
    public string? HangupCause { get; internal set; }

    /// <summary>The uuid of the channel this one is bridged to, or null.</summary>
    public string? BridgedTo { get; internal set; }

    /// <summary>The application currently running (e.g. <c>park</c>, <c>eavesdrop</c>, <c>bridge</c>), or empty.</summary>
    public string CurrentApplication { get; internal set; } = string.Empty;

    /// <summary>The data of <see cref="CurrentApplication"/>.</summary>
    public string CurrentApplicationData { get; internal set; } = string.Empty;

    internal string CallUuid { get; set; }

    internal long CreatedMicros { get; }

    internal long AnsweredMicros { get; set; }

    internal long BridgedMicros { get; set; }

    internal long HangupMicros { get; set; }

    internal string CallerIdName { get; set; } = string.Empty;

    internal string CallerIdNumber { get; set; } = string.Empty;

    internal string? CalleeIdName { get; set; }

    internal string? CalleeIdNumber { get; set; }

    /// <summary>The number this leg was sent to (<c>Caller-Destination-Number</c>), e.g. the token a peer switch dialled.</summary>
    public string DestinationNumber { get; internal set; } = string.Empty;

    /// <summary>
    /// For a leg that crosses a peer link (see <see cref="FakeFreeSwitch.LinkPeer"/>): the uuid of the other end on the
    /// linked switch (the peer's inbound leg for this switch's outbound trunk leg, and the reverse); null for other legs.
    /// </summary>
    public string? TrunkPeerUuid => Trunk?.RemoteUuid;

    internal TrunkLeg? Trunk { get; set; }

    internal PeerBridge? PeerBridge { get; set; }

    internal string NetworkAddr { get; set; } = "127.0.0.1";

    internal string Context { get; set; } = "default";

    internal bool HitDialplan { get; set; } = true;

    internal string? PresenceId { get; set; }

    internal bool HasCodec { get; set; }

    internal string ReadCodec { get; set; } = "PCMU";

    internal FakeChannel? OtherLeg { get; set; }

    internal string OtherType { get; set; } = string.Empty;

    internal bool IsALeg { get; set; }

    internal string? BridgeApplicationUuid { get; set; }

    internal string? ParkApplicationUuid { get; set; }

    internal ITimer? ParkTimer { get; set; }

    internal Queue<Action> PendingApplications { get; } = new();

    internal EavesdropSession? RunningEavesdrop { get; set; }

    internal List<EavesdropSession> BugsOnMe { get; } = [];

    internal Dictionary<string, Dictionary<char, (string App, string Arg)>> DigitBindings { get; } = new(StringComparer.Ordinal);

    internal string? DigitRealm { get; set; }

    internal FakeConnection? OutboundSocket { get; set; }

    /// <summary>Reads a channel variable (without the <c>variable_</c> prefix); null when unset.</summary>
    /// <param name="name">The variable name.</param>
    /// <returns>The raw value, or null.</returns>
    public string? GetVariable(string name)
    {
        lock (_gate)
        {
            return GetVariableLocked(name);
        }
    }

    /// <summary>A snapshot of all channel variables in insertion order.</summary>
    /// <returns>Name/value pairs without the <c>variable_</c> prefix.</returns>
    public IReadOnlyList<KeyValuePair<string, string>> GetVariables()
    {
        lock (_gate)
        {
            return [.. _variables];
        }
    }

    internal string? GetVariableLocked(string name)
    {
        foreach (var (k, v) in _variables)
        {
            if (string.Equals(k, name, StringComparison.Ordinal))
            {
                return v;
            }
        }

        return null;
    }

    internal void SetVariableLocked(string name, string? value)
    {
        var i = _variables.FindIndex(p => string.Equals(p.Key, name, StringComparison.Ordinal));
        if (value is null)
        {
            if (i >= 0)
            {
                _variables.RemoveAt(i);
            }

            return;
        }

        if (i >= 0)
        {
            _variables[i] = new(name, value);
        }
        else
        {
            _variables.Add(new(name, value));
        }
    }

    internal int StateNumber => State switch
    {
        "CS_NEW" => 0,
        "CS_INIT" => 2,
        "CS_ROUTING" => 3,
        "CS_EXECUTE" => 4,
        "CS_EXCHANGE_MEDIA" => 5,
        "CS_PARK" => 6,
        "CS_HANGUP" => 10,
        "CS_REPORTING" => 11,
        "CS_DESTROY" => 12,
        _ => 4,
    };

    /// <summary>Channel data headers (Channel-State ... Caller-* ... Other-Leg-* ... variable_*) as FreeSWITCH orders them.</summary>
    internal void AppendChannelData(List<KeyValuePair<string, string>> h, bool withVariables, int? stateNumberOverride = null)
    {
        static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
        h.Add(new("Channel-State", State));
        h.Add(new("Channel-Call-State", CallState));
        h.Add(new("Channel-State-Number", (stateNumberOverride ?? StateNumber).ToString(CultureInfo.InvariantCulture)));
        h.Add(new("Channel-Name", Name));
        h.Add(new("Unique-ID", Uuid));
        h.Add(new("Call-Direction", Direction));
        h.Add(new("Presence-Call-Direction", Direction));
        h.Add(new("Channel-HIT-Dialplan", HitDialplan ? "true" : "false"));
        if (PresenceId is not null)
        {
            h.Add(new("Channel-Presence-ID", PresenceId));
        }

        h.Add(new("Channel-Call-UUID", CallUuid));
        h.Add(new("Answer-State", IsHungUp ? "hangup" : IsAnswered ? "answered" : "ringing"));
        if (IsHungUp && HangupCause is not null)
        {
            h.Add(new("Hangup-Cause", HangupCause));
        }

        if (HasCodec)
        {
            var l16 = ReadCodec == "L16";
            h.Add(new("Channel-Read-Codec-Name", ReadCodec));
            h.Add(new("Channel-Read-Codec-Rate", "8000"));
            h.Add(new("Channel-Read-Codec-Bit-Rate", l16 ? "128000" : "64000"));
            h.Add(new("Channel-Write-Codec-Name", "PCMU"));
            h.Add(new("Channel-Write-Codec-Rate", "8000"));
            h.Add(new("Channel-Write-Codec-Bit-Rate", "64000"));
        }

        AppendProfile(h, "Caller-", Direction, Direction, this, true);
        if (OtherLeg is not null && OtherType.Length > 0)
        {
            h.Add(new("Other-Type", OtherType));
            var logical = OtherType == "originatee" ? "inbound" : OtherLeg.Direction;
            AppendProfile(h, "Other-Leg-", OtherLeg.Direction, logical, OtherLeg, false);
        }

        if (withVariables)
        {
            foreach (var (k, v) in _variables)
            {
                h.Add(new("variable_" + k, v));
            }
        }

        void AppendProfile(List<KeyValuePair<string, string>> list, string p, string dir, string logical, FakeChannel c, bool self)
        {
            list.Add(new(p + "Direction", dir));
            list.Add(new(p + "Logical-Direction", logical));
            list.Add(new(p + "Username", c.CallerIdNumber));
            list.Add(new(p + "Dialplan", "XML"));
            list.Add(new(p + "Caller-ID-Name", c.CallerIdName));
            list.Add(new(p + "Caller-ID-Number", c.CallerIdNumber));
            list.Add(new(p + "Orig-Caller-ID-Name", c.CallerIdName));
            list.Add(new(p + "Orig-Caller-ID-Number", c.CallerIdNumber));
            if (c.CalleeIdName is not null)
            {
                list.Add(new(p + "Callee-ID-Name", c.CalleeIdName));
                list.Add(new(p + "Callee-ID-Number", c.CalleeIdNumber ?? string.Empty));
            }

            list.Add(new(p + "Network-Addr", c.NetworkAddr));
            list.Add(new(p + "ANI", c.CallerIdNumber));
            list.Add(new(p + "Destination-Number", c.DestinationNumber));
            list.Add(new(p + "Unique-ID", c.Uuid));
            list.Add(new(p + "Source", "mod_sofia"));
            list.Add(new(p + "Context", c.Context));
            list.Add(new(p + "Channel-Name", c.Name));
            if (self)
            {
                list.Add(new(p + "Profile-Index", "1"));
            }

            list.Add(new(p + "Profile-Created-Time", self ? N(c.CreatedMicros) : "0"));
            list.Add(new(p + "Channel-Created-Time", self ? N(c.CreatedMicros) : "0"));
            list.Add(new(p + "Channel-Answered-Time", N(c.AnsweredMicros)));
            list.Add(new(p + "Channel-Progress-Time", "0"));
            list.Add(new(p + "Channel-Progress-Media-Time", "0"));
            list.Add(new(p + "Channel-Hangup-Time", N(c.HangupMicros)));
            list.Add(new(p + "Channel-Transfer-Time", "0"));
            list.Add(new(p + "Channel-Resurrect-Time", "0"));
            list.Add(new(p + "Channel-Bridged-Time", N(c.BridgedMicros)));
            list.Add(new(p + "Channel-Last-Hold", "0"));
            list.Add(new(p + "Channel-Hold-Accum", "0"));
            list.Add(new(p + "Screen-Bit", "true"));
            list.Add(new(p + "Privacy-Hide-Name", "false"));
            list.Add(new(p + "Privacy-Hide-Number", "false"));
        }
    }
}
