using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

public sealed partial class FakeFreeSwitch
{
    /// <summary>
    /// A client calls a public number that bridges to an agent (<c>bridge user/EXT@DOMAIN</c>): client A-leg inbound,
    /// agent B-leg outbound, both with <c>variable_dialed_user</c>/<c>variable_dialed_domain</c>; both answer and are bridged.
    /// </summary>
    /// <param name="callerNumber">The client's number.</param>
    /// <param name="callerName">The client's caller name (any Unicode).</param>
    /// <param name="destination">The number the client dialled.</param>
    /// <param name="agentExtension">The agent's extension.</param>
    /// <param name="domain">The agent's domain.</param>
    /// <returns>The call's legs.</returns>
    public FakeCall ClientCallsAgent(string callerNumber, string callerName, string destination, string agentExtension, string domain)
    {
        lock (Gate)
        {
            var a = NewChannel("inbound", $"sofia/external/{callerNumber}@127.0.0.1", callerName, callerNumber, destination, "public");
            SeedExternalInbound(a);
            Emit("CHANNEL_CREATE", a, "switch_core_state_machine.c", "switch_core_session_run", 626);
            var b = BridgeLocked(a, [(agentExtension, domain)], 0, $"user/{agentExtension}@{domain}", out var losers);
            NotifyChannelWaiters();
            return new FakeCall(a, b) { LosingLegs = losers };
        }
    }

    /// <summary>
    /// A client calls a simultaneous ring group: every agent leg is created and answered, the winner is bridged and the
    /// others end with <c>LOSE_RACE</c>. The client leg carries <c>variable_dialed_user</c> of the last agent dialled.
    /// </summary>
    /// <param name="callerNumber">The client's number.</param>
    /// <param name="callerName">The client's caller name.</param>
    /// <param name="destination">The number dialled.</param>
    /// <param name="agentExtensions">The agents rung, in dial order.</param>
    /// <param name="domain">The agents' domain.</param>
    /// <param name="winnerIndex">Index into <paramref name="agentExtensions"/> of the agent that gets bridged.</param>
    /// <returns>The call's legs including the losers.</returns>
    public FakeCall RingGroup(string callerNumber, string callerName, string destination, IReadOnlyList<string> agentExtensions, string domain, int winnerIndex)
    {
        ArgumentNullException.ThrowIfNull(agentExtensions);
        lock (Gate)
        {
            var a = NewChannel("inbound", $"sofia/external/{callerNumber}@127.0.0.1", callerName, callerNumber, destination, "public");
            SeedExternalInbound(a);
            Emit("CHANNEL_CREATE", a, "switch_core_state_machine.c", "switch_core_session_run", 626);
            var data = string.Join(',', agentExtensions.Select(e => $"user/{e}@{domain}"));
            var b = BridgeLocked(a, [.. agentExtensions.Select(e => (e, domain))], winnerIndex, data, out var losers);
            NotifyChannelWaiters();
            return new FakeCall(a, b) { LosingLegs = losers };
        }
    }

    /// <summary>
    /// An agent places a call to a client through a carrier: the agent's A-leg is inbound and authenticated
    /// (<c>variable_user_name</c>/<c>variable_domain_name</c>); the carrier B-leg is outbound with the agent's extension as caller ID.
    /// </summary>
    /// <param name="agentExtension">The agent's extension.</param>
    /// <param name="domain">The agent's domain.</param>
    /// <param name="clientNumber">The number dialled.</param>
    /// <returns>The call's legs.</returns>
    public FakeCall AgentCallsClient(string agentExtension, string domain, string clientNumber)
    {
        lock (Gate)
        {
            var name = FindUserLocked(agentExtension, domain)?.DisplayName ?? agentExtension;
            var a = NewChannel("inbound", $"sofia/internal/{agentExtension}@{domain}", name, agentExtension, clientNumber, "default");
            SeedInternalInbound(a, agentExtension, domain, true);
            Emit("CHANNEL_CREATE", a, "switch_core_state_machine.c", "switch_core_session_run", 626);
            var b = BridgeLocked(a, [(clientNumber, null)], 0, $"sofia/gateway/carrier/{clientNumber}", out _);
            NotifyChannelWaiters();
            return new FakeCall(a, b);
        }
    }

    /// <summary>
    /// A user dials a number the dialplan parks (<c>set park_timeout=N</c>, <c>park</c>): CHANNEL_CREATE, EXECUTE/COMPLETE of
    /// <c>set</c>, EXECUTE of <c>park</c>, CHANNEL_PARK. After <paramref name="parkTimeoutSeconds"/> (on the options' clock)
    /// the channel hangs up unless it is running eavesdrop.
    /// </summary>
    /// <param name="extension">The calling user's extension.</param>
    /// <param name="domain">The calling user's domain.</param>
    /// <param name="destination">The dialled number, e.g. <c>*901004</c>.</param>
    /// <param name="callerIdNumber">The caller ID number the phone sent.</param>
    /// <param name="authenticated">False for an unauthenticated leg (no <c>variable_user_name</c>/<c>variable_domain_name</c>).</param>
    /// <param name="parkTimeoutSeconds">The park timeout.</param>
    /// <returns>The parked channel.</returns>
    public FakeChannel DialParked(string extension, string domain, string destination, string callerIdNumber = "0000000000", bool authenticated = true, int parkTimeoutSeconds = 30)
    {
        lock (Gate)
        {
            var c = NewChannel("inbound", $"sofia/internal/{extension}@{domain}", extension, callerIdNumber, destination, "default");
            SeedInternalInbound(c, extension, domain, authenticated);
            Emit("CHANNEL_CREATE", c, "switch_core_state_machine.c", "switch_core_session_run", 626);
            c.State = "CS_EXECUTE";
            c.CallState = "RINGING";
            RunAppLocked(c, "set", "park_timeout=" + parkTimeoutSeconds.ToString(CultureInfo.InvariantCulture), Guid.NewGuid().ToString());
            ParkLocked(c, parkTimeoutSeconds);
            NotifyChannelWaiters();
            return c;
        }
    }

    /// <summary>
    /// A user dials a number routed to <c>socket HOST:PORT async full</c>: the fake connects to <paramref name="controller"/>
    /// (outbound mode, pre-authenticated). The channel parks when the controller sends <c>myevents</c>.
    /// </summary>
    /// <param name="extension">The calling user's extension.</param>
    /// <param name="domain">The calling user's domain.</param>
    /// <param name="destination">The dialled number.</param>
    /// <param name="controller">The controller's end point (127.0.0.1).</param>
    /// <param name="callerIdNumber">The caller ID number.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The channel and its outbound connection.</returns>
    public async Task<(FakeChannel Channel, FakeConnection Connection)> DialSocketAsync(string extension, string domain, string destination, IPEndPoint controller, string callerIdNumber = "0000000000", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(controller);
        FakeChannel c;
        lock (Gate)
        {
            c = NewChannel("inbound", $"sofia/internal/{extension}@{domain}", extension, callerIdNumber, destination, "default");
            SeedInternalInbound(c, extension, domain, true);
            Emit("CHANNEL_CREATE", c, "switch_core_state_machine.c", "switch_core_session_run", 626);
            c.State = "CS_EXECUTE";
            c.CallState = "RINGING";
            var data = $"{controller.Address}:{controller.Port} async full";
            c.SetVariableLocked("current_application_data", data);
            c.SetVariableLocked("current_application", "socket");
            c.SetVariableLocked("socket_host", controller.Address.ToString());
            c.CurrentApplication = "socket";
            c.CurrentApplicationData = data;
            Emit("CHANNEL_EXECUTE", c, "switch_core_session.c", "switch_core_session_exec", 2944, post: AppHeaders("socket", data, Guid.NewGuid().ToString(), null));
        }

        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(controller, cancellationToken).ConfigureAwait(false);
        var conn = AddConnection(client, c);
        lock (Gate)
        {
            c.OutboundSocket = conn;
            NotifyChannelWaiters();
        }

        return (c, conn);
    }

    /// <summary>Hangs up a channel from its endpoint (its bridged partner hangs up too), with FreeSWITCH's event order.</summary>
    /// <param name="uuid">The channel to hang up.</param>
    /// <param name="cause">The hang-up cause.</param>
    public void Hangup(string uuid, string cause = "NORMAL_CLEARING")
    {
        lock (Gate)
        {
            if (_channels.TryGetValue(uuid, out var c))
            {
                HangupLocked(c, cause, null);
                NotifyChannelWaiters();
            }
        }
    }

    internal void OnMyEvents(FakeConnection conn)
    {
        lock (Gate)
        {
            var c = conn.Session;
            if (c is not null && !c.IsParked && !c.IsHungUp)
            {
                ParkLocked(c, 0);
                NotifyChannelWaiters();
            }
        }
    }

    private FakeUser? FindUserLocked(string ext, string domain) =>
        _users.FirstOrDefault(u => u.Extension == ext && string.Equals(u.Domain, domain, StringComparison.OrdinalIgnoreCase));

    private FakeChannel NewChannel(string direction, string name, string callerName, string callerNumber, string destination, string context, string? uuid = null)
    {
        var c = new FakeChannel(Gate, uuid ?? Guid.NewGuid().ToString(), direction, name, NowMicros())
        {
            CallerIdName = callerName,
            CallerIdNumber = callerNumber,
            DestinationNumber = destination,
            Context = context,
            HasCodec = direction == "inbound",
        };
        _channels[c.Uuid] = c;
        c.SetVariableLocked("direction", direction);
        c.SetVariableLocked("uuid", c.Uuid);
        c.SetVariableLocked("call_uuid", c.Uuid);
        c.SetVariableLocked("session_id", (++_sessionId).ToString(CultureInfo.InvariantCulture));
        return c;
    }

    private static void SeedExternalInbound(FakeChannel c)
    {
        c.SetVariableLocked("sip_from_user", c.CallerIdNumber);
        c.SetVariableLocked("sip_from_uri", c.CallerIdNumber + "@127.0.0.1");
        c.SetVariableLocked("sip_from_host", "127.0.0.1");
        c.SetVariableLocked("channel_name", c.Name);
        c.SetVariableLocked("sip_call_id", Guid.NewGuid().ToString());
        c.SetVariableLocked("sip_network_ip", "127.0.0.1");
        c.SetVariableLocked("sofia_profile_name", "external");
        c.SetVariableLocked("sip_from_display", c.CallerIdName);
        c.SetVariableLocked("sip_full_from", $"\"{c.CallerIdName}\" <sip:{c.CallerIdNumber}@127.0.0.1>");
        c.SetVariableLocked("sip_req_user", c.DestinationNumber);
        c.SetVariableLocked("sip_to_user", c.DestinationNumber);
        c.SetVariableLocked("read_codec", "PCMU");
        c.SetVariableLocked("write_codec", "PCMU");
        c.SetVariableLocked("dtmf_type", "rfc2833");
        c.SetVariableLocked("endpoint_disposition", "RECEIVED");
    }

    private static void SeedInternalInbound(FakeChannel c, string ext, string domain, bool authenticated)
    {
        c.SetVariableLocked("sip_from_user", ext);
        c.SetVariableLocked("sip_from_uri", ext + "@" + domain);
        c.SetVariableLocked("sip_from_host", domain);
        c.SetVariableLocked("channel_name", c.Name);
        c.SetVariableLocked("sip_call_id", Guid.NewGuid().ToString());
        c.SetVariableLocked("sip_network_ip", "127.0.0.1");
        c.SetVariableLocked("sofia_profile_name", "internal");
        c.SetVariableLocked("sip_req_user", c.DestinationNumber);
        c.SetVariableLocked("sip_to_user", c.DestinationNumber);
        if (authenticated)
        {
            c.SetVariableLocked("sip_authorized", "true");
            c.SetVariableLocked("sip_number_alias", ext);
            c.SetVariableLocked("sip_auth_username", ext);
            c.SetVariableLocked("sip_auth_realm", domain);
            c.SetVariableLocked("number_alias", ext);
            c.SetVariableLocked("user_name", ext);
            c.SetVariableLocked("domain_name", domain);
        }

        c.SetVariableLocked("read_codec", "PCMU");
        c.SetVariableLocked("write_codec", "PCMU");
        c.SetVariableLocked("dtmf_type", "rfc2833");
        c.SetVariableLocked("endpoint_disposition", "RECEIVED");
    }

    private FakeChannel BridgeLocked(FakeChannel a, List<(string Ext, string? Domain)> targets, int winner, string bridgeData, out IReadOnlyList<FakeChannel> losers)
    {
        a.State = "CS_EXECUTE";
        a.CallState = "RINGING";
        a.IsALeg = true;
        a.BridgeApplicationUuid = Guid.NewGuid().ToString();
        a.SetVariableLocked("call_uuid", a.Uuid);
        a.SetVariableLocked("current_application", "bridge");
        a.SetVariableLocked("current_application_data", bridgeData);
        a.CurrentApplication = "bridge";
        a.CurrentApplicationData = bridgeData;
        Emit("CHANNEL_EXECUTE", a, "switch_core_session.c", "switch_core_session_exec", 2944, post: AppHeaders("bridge", bridgeData, a.BridgeApplicationUuid, null));

        var legs = new List<FakeChannel>();
        foreach (var (ext, domain) in targets)
        {
            var isUser = domain is not null;
            if (isUser)
            {
                a.SetVariableLocked("dialed_user", ext);
                a.SetVariableLocked("dialed_domain", domain);
            }

            var name = isUser ? $"sofia/internal/{ext}@{domain}" : $"sofia/external/{ext}@carrier";
            var b = new FakeChannel(Gate, Guid.NewGuid().ToString(), "outbound", name, NowMicros())
            {
                CallerIdName = a.CallerIdName,
                CallerIdNumber = a.CallerIdNumber,
                CalleeIdName = "Outbound Call",
                CalleeIdNumber = ext,
                DestinationNumber = ext,
                Context = a.Context,
                HitDialplan = false,
                PresenceId = isUser ? $"{ext}@{domain}" : null,
                CallUuid = a.Uuid,
                OtherLeg = a,
                OtherType = "originator",
            };
            _channels[b.Uuid] = b;
            b.SetVariableLocked("direction", "outbound");
            b.SetVariableLocked("is_outbound", "true");
            b.SetVariableLocked("uuid", b.Uuid);
            b.SetVariableLocked("session_id", (++_sessionId).ToString(CultureInfo.InvariantCulture));
            b.SetVariableLocked("channel_name", name);
            b.SetVariableLocked("originator", a.Uuid);
            b.SetVariableLocked("signal_bond", a.Uuid);
            b.SetVariableLocked("call_uuid", a.Uuid);
            if (isUser)
            {
                b.SetVariableLocked("dialed_user", ext);
                b.SetVariableLocked("dialed_domain", domain);
                b.SetVariableLocked("presence_id", $"{ext}@{domain}");
            }

            b.SetVariableLocked("originating_leg_uuid", a.Uuid);
            b.SetVariableLocked("originate_endpoint", "sofia");
            Emit("CHANNEL_CREATE", b, "switch_core_state_machine.c", "switch_core_session_run", 626);
            legs.Add(b);
        }

        foreach (var b in legs)
        {
            b.IsAnswered = true;
            b.AnsweredMicros = NowMicros();
            b.HasCodec = true;
            b.State = "CS_CONSUME_MEDIA";
            b.CallState = "ACTIVE";
            b.CalleeIdName = b.CalleeIdNumber;
            b.SetVariableLocked("endpoint_disposition", "ANSWER");
            Emit("CHANNEL_ANSWER", b, "mod_sofia.c", "sofia_answer_channel", 1032);
        }

        var win = legs[winner];
        var lost = legs.Where(l => l != win).ToList();
        foreach (var l in lost)
        {
            MarkHungUp(l, "LOSE_RACE");
            Emit("CHANNEL_HANGUP", l, "switch_channel.c", "switch_channel_perform_hangup", 3311, stateNumber: 10);
            l.State = "CS_REPORTING";
            Emit("CHANNEL_HANGUP_COMPLETE", l, "switch_core_state_machine.c", "switch_core_session_reporting_state", 946, pre: [new("Hangup-Cause", "LOSE_RACE")]);
        }

        a.IsAnswered = true;
        a.AnsweredMicros = NowMicros();
        a.CallState = "ACTIVE";
        a.CalleeIdName = win.CalleeIdNumber;
        a.CalleeIdNumber = win.CalleeIdNumber;
        Emit("CHANNEL_ANSWER", a, "mod_sofia.c", "sofia_answer_channel", 1032);

        BridgeAnsweredLocked(a, win, []);

        foreach (var l in lost)
        {
            DestroyLocked(l);
        }

        losers = lost;
        return win;
    }

    private void ParkLocked(FakeChannel c, int timeoutSeconds)
    {
        c.State = "CS_EXECUTE";
        c.ParkApplicationUuid = Guid.NewGuid().ToString();
        c.SetVariableLocked("current_application", "park");
        c.CurrentApplication = "park";
        c.CurrentApplicationData = string.Empty;
        Emit("CHANNEL_EXECUTE", c, "switch_core_session.c", "switch_core_session_exec", 2944, post: AppHeaders("park", string.Empty, c.ParkApplicationUuid, null));
        c.IsParked = true;
        Emit("CHANNEL_PARK", c, "switch_ivr.c", "switch_ivr_park", 1004);
        if (timeoutSeconds > 0)
        {
            c.ParkTimer = Options.TimeProvider.CreateTimer(_ => OnParkTimeout(c), null, TimeSpan.FromSeconds(timeoutSeconds), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnParkTimeout(FakeChannel c)
    {
        lock (Gate)
        {
            if (c.IsHungUp || !c.IsParked || c.RunningEavesdrop is not null || c.PeerBridge is not null)
            {
                return;
            }

            HangupLocked(c, "NORMAL_CLEARING", null);
            NotifyChannelWaiters();
        }
    }

    private static void MarkHungUp(FakeChannel c, string cause)
    {
        c.IsHungUp = true;
        c.HangupCause = cause;
        c.HangupMicros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        c.ParkTimer?.Dispose();
        c.SetVariableLocked("hangup_cause", cause);
        NotifyTrunkHangupLocked(c, cause);
    }

    private void HangupLocked(FakeChannel c, string cause, Action? afterHangupEvent)
    {
        if (c.IsHungUp)
        {
            return;
        }

        MarkHungUp(c, cause);
        Emit("CHANNEL_HANGUP", c, "switch_channel.c", "switch_channel_perform_hangup", 3311, stateNumber: 10);
        afterHangupEvent?.Invoke();

        if (c.RunningEavesdrop is { } own)
        {
            EndEavesdropLocked(own, drain: false);
        }

        if (c.PeerBridge is { Answered: false } ringing)
        {
            // The caller gave up while the peer had not answered: CANCEL the outbound trunk leg; the bridge returns.
            c.PeerBridge = null;
            ringing.Timer?.Dispose();
            HangupLocked(ringing.Out, "ORIGINATOR_CANCEL", null);
            c.BridgeApplicationUuid = null;
            Emit("CHANNEL_EXECUTE_COMPLETE", c, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders("bridge", ringing.Data, ringing.ApplicationUuid, "_none_"));
        }

        var partner = c.BridgedTo is not null ? _channels.GetValueOrDefault(c.BridgedTo) : null;
        if (partner is not null && !partner.IsHungUp && partner.PeerBridge is { } peerBridge && peerBridge.Out == c
            && !IsTrue(partner.GetVariableLocked("hangup_after_bridge")))
        {
            // The far switch ended a bridge that was run from park: only the bridge ends, the calling leg parks on.
            EndPeerBridgeLocked(partner, peerBridge, c, cause);
        }
        else if (partner is not null && !partner.IsHungUp)
        {
            MarkHungUp(partner, cause);
            Emit("CHANNEL_HANGUP", partner, "switch_channel.c", "switch_channel_perform_hangup", 3311, stateNumber: 10);
            var a = c.IsALeg ? c : partner;
            var b = a == c ? partner : c;
            b.State = "CS_REPORTING";
            b.CallState = "HANGUP";
            Emit("CHANNEL_HANGUP_COMPLETE", b, "switch_core_state_machine.c", "switch_core_session_reporting_state", 946, pre: [new("Hangup-Cause", cause)]);
            a.BridgedTo = null;
            b.BridgedTo = null;
            Emit("CHANNEL_UNBRIDGE", a, "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1838, pre: [new("Bridge-A-Unique-ID", a.Uuid), new("Bridge-B-Unique-ID", b.Uuid)]);
            if (a.BridgeApplicationUuid is not null)
            {
                Emit("CHANNEL_EXECUTE_COMPLETE", a, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders("bridge", a.CurrentApplicationData, a.BridgeApplicationUuid, "_none_"));
            }

            FinishLocked(a);
            FinishLocked(b);
        }
        else
        {
            if (c.IsParked)
            {
                c.IsParked = false;
                Emit("CHANNEL_UNPARK", c, "switch_ivr.c", "switch_ivr_park", 1335);
                Emit("CHANNEL_EXECUTE_COMPLETE", c, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders("park", string.Empty, c.ParkApplicationUuid ?? Guid.NewGuid().ToString(), "_none_"));
            }

            FinishLocked(c);
        }

        if (c.Trunk is { Outbound: true } && c.OtherLeg is { PeerBridge: { Answered: false } pending } caller && pending.Out == c)
        {
            // The outbound trunk leg was killed on this switch before the peer answered: the caller's bridge fails.
            FailPeerBridgeLocked(caller, pending, cause);
        }
    }

    /// <summary>HANGUP_COMPLETE (unless already sent), bugs stopped, DESTROY.</summary>
    private void FinishLocked(FakeChannel c)
    {
        if (c.State != "CS_REPORTING")
        {
            c.State = "CS_REPORTING";
            c.CallState = "HANGUP";
            Emit("CHANNEL_HANGUP_COMPLETE", c, "switch_core_state_machine.c", "switch_core_session_reporting_state", 946, pre: [new("Hangup-Cause", c.HangupCause ?? "NORMAL_CLEARING")]);
            c.OutboundSocket?.OnSessionHangupComplete();
            if (c.IsALeg || c.BugsOnMe.Count == 0)
            {
                DestroyLocked(c);
                return;
            }
        }

        foreach (var bug in c.BugsOnMe.ToList())
        {
            EndEavesdropLocked(bug, drain: true);
        }

        DestroyLocked(c);
    }

    private void DestroyLocked(FakeChannel c)
    {
        if (c.State == "CS_DESTROY")
        {
            return;
        }

        foreach (var bug in c.BugsOnMe.ToList())
        {
            EndEavesdropLocked(bug, drain: true);
        }

        Emit("CHANNEL_DESTROY", c, "switch_core_session.c", "switch_core_session_perform_destroy", 1724, stateNumber: 12);
        c.State = "CS_DESTROY";
    }

    /// <summary>
    /// Joins an answered caller leg <paramref name="a"/> to the leg it originated, <paramref name="o"/>: the bridge
    /// state on both, the variables the ring-group capture shows on the A leg (plus <paramref name="extraVariables"/>),
    /// and CHANNEL_BRIDGE.
    /// </summary>
    private void BridgeAnsweredLocked(FakeChannel a, FakeChannel o, KeyValuePair<string, string>[] extraVariables)
    {
        a.OtherLeg = o;
        a.OtherType = "originatee";
        a.BridgedTo = o.Uuid;
        o.BridgedTo = a.Uuid;
        a.BridgedMicros = NowMicros();
        o.BridgedMicros = a.BridgedMicros;
        o.State = "CS_EXCHANGE_MEDIA";
        a.SetVariableLocked("originate_disposition", "SUCCESS");
        a.SetVariableLocked("DIALSTATUS", "SUCCESS");
        a.SetVariableLocked("signal_bond", o.Uuid);
        foreach (var variable in extraVariables)
        {
            a.SetVariableLocked(variable.Key, variable.Value);
        }

        o.SetVariableLocked("bridge_partner_uuid", a.Uuid);
        Emit("CHANNEL_BRIDGE", a, "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1689, pre: [new("Bridge-A-Unique-ID", a.Uuid), new("Bridge-B-Unique-ID", o.Uuid)]);
    }
}
