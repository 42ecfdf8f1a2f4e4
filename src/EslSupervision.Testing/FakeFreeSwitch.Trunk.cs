using System.Globalization;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <content>
/// <c>bridge</c> to a peer switch, as mod_dptools' bridge and mod_sofia do it between two real switches: the calling switch
/// creates an outbound leg (<c>sofia/&lt;profile&gt;/&lt;dest&gt;@&lt;peer&gt;</c>, <c>Other-Type: originator</c>) and sends an
/// INVITE; the peer creates an inbound leg in its trunk context and parks it (or refuses it); when the peer's leg is answered
/// the outbound leg answers and the calling leg is bridged to it (CHANNEL_ANSWER, CHANNEL_BRIDGE). A failed bridge sets
/// <c>originate_disposition</c>/<c>originate_failed_cause</c> and hangs the calling leg up with the cause, unless
/// <c>continue_on_fail</c> allows it, then the bridge application completes and the leg stays where it was (parked).
/// </content>
public sealed partial class FakeFreeSwitch
{
    /// <summary>
    /// Runs <c>bridge</c> on <paramref name="a"/> when its data is a <c>sofia/...</c> dial string; other dial strings are
    /// not modelled (false: the caller completes the application at once, as before peer links existed).
    /// </summary>
    private bool TryBridgeToPeerLocked(FakeChannel a, string data, string appUuid)
    {
        var dial = data.Trim();
        var vars = new List<KeyValuePair<string, string>>();
        if (dial.StartsWith('{'))
        {
            var end = dial.IndexOf('}', StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }

            foreach (var pair in dial[1..end].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    vars.Add(new(pair[..eq], pair[(eq + 1)..]));
                }
            }

            dial = dial[(end + 1)..];
        }

        // One target only: a list (',' simultaneous, '|' sequential) is cut at its first entry.
        var cut = dial.IndexOfAny([',', '|']);
        dial = cut < 0 ? dial : dial[..cut];
        if (!dial.StartsWith("sofia/", StringComparison.Ordinal))
        {
            return false;
        }

        var (peer, profile, dest, gateway, cause) = ResolvePeerDial(dial["sofia/".Length..]);
        a.IsALeg = true;
        a.BridgeApplicationUuid = appUuid;
        a.CurrentApplication = "bridge";
        a.CurrentApplicationData = data;
        if (peer is null)
        {
            FailPeerBridgeLocked(a, null, cause ?? "INVALID_NUMBER_FORMAT");
            return true;
        }

        string? Var(string name) => vars.LastOrDefault(v => v.Key == name).Value;
        var cidName = Var("origination_caller_id_name") ?? a.GetVariableLocked("effective_caller_id_name") ?? a.CallerIdName;
        var cidNumber = Var("origination_caller_id_number") ?? a.GetVariableLocked("effective_caller_id_number") ?? a.CallerIdNumber;
        var peerSip = peer.Sip;
        var name = $"sofia/{profile}/{dest}@{peerSip}";
        var o = new FakeChannel(Gate, Guid.NewGuid().ToString(), "outbound", name, NowMicros())
        {
            CallerIdName = cidName,
            CallerIdNumber = cidNumber,
            CalleeIdName = "Outbound Call",
            CalleeIdNumber = dest,
            DestinationNumber = dest,
            Context = a.Context,
            HitDialplan = false,
            CallUuid = a.Uuid,
            OtherLeg = a,
            OtherType = "originator",
            NetworkAddr = peerSip.Host,
        };
        _channels[o.Uuid] = o;
        var sipCallId = Guid.NewGuid().ToString();
        o.SetVariableLocked("direction", "outbound");
        o.SetVariableLocked("is_outbound", "true");
        o.SetVariableLocked("uuid", o.Uuid);
        o.SetVariableLocked("session_id", (++_sessionId).ToString(CultureInfo.InvariantCulture));
        o.SetVariableLocked("channel_name", name);
        o.SetVariableLocked("originator", a.Uuid);
        o.SetVariableLocked("signal_bond", a.Uuid);
        o.SetVariableLocked("call_uuid", a.Uuid);
        o.SetVariableLocked("originating_leg_uuid", a.Uuid);
        o.SetVariableLocked("originate_endpoint", "sofia");
        o.SetVariableLocked("sofia_profile_name", profile);
        if (gateway is not null)
        {
            o.SetVariableLocked("sip_gateway_name", gateway);
        }

        o.SetVariableLocked("sip_call_id", sipCallId);
        o.SetVariableLocked("sip_to_user", dest);
        o.SetVariableLocked("sip_to_host", peerSip.Host);
        o.SetVariableLocked("sip_req_uri", $"{dest}@{peerSip}");
        foreach (var v in vars)
        {
            o.SetVariableLocked(v.Key, v.Value.Length == 0 ? null : v.Value);
        }

        var inUuid = Guid.NewGuid().ToString();
        o.Trunk = new TrunkLeg(peer, inUuid, outbound: true);
        var pb = new PeerBridge(o, appUuid, data);
        a.PeerBridge = pb;
        var timeout = Var("originate_timeout") ?? Var("leg_timeout") ?? a.GetVariableLocked("call_timeout");
        var seconds = int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : DefaultOriginateTimeoutSeconds;
        pb.Timer = Options.TimeProvider.CreateTimer(_ => OnPeerBridgeTimeout(a, pb), null, TimeSpan.FromSeconds(seconds), System.Threading.Timeout.InfiniteTimeSpan);
        Emit("CHANNEL_CREATE", o, "switch_core_state_machine.c", "switch_core_session_run", 626);
        o.State = "CS_CONSUME_MEDIA";

        // Only X- headers travel in the INVITE (sip_h_X-Name=value on the caller, sip_h_X-Name on the callee).
        var headers = vars.Where(v => v.Key.StartsWith("sip_h_X-", StringComparison.OrdinalIgnoreCase) && v.Value.Length > 0).ToList();
        var invite = new TrunkInvite(this, Sip, o.Uuid, inUuid, dest, cidName, cidNumber, sipCallId, headers);
        var outUuid = o.Uuid;
        if (!peer.Post(() => peer.OnTrunkInviteLocked(invite), dropped: () => Post(() => OnTrunkPeerLostLocked(outUuid))))
        {
            o.Trunk.Closed = true;
            FailPeerBridgeLocked(a, pb, "RECOVERY_ON_TIMER_EXPIRE");
        }

        return true;
    }

    /// <summary>
    /// <c>gateway/&lt;gw&gt;/&lt;dest&gt;</c> or <c>&lt;profile&gt;/[sip:]&lt;dest&gt;@&lt;host&gt;[:port][;params]</c>. Unknown gateway:
    /// <c>INVALID_GATEWAY</c> (mod_sofia); an address no linked switch has: <c>RECOVERY_ON_TIMER_EXPIRE</c> (what an unanswered
    /// INVITE ends with; the fake does not wait for the timer); a malformed one: <c>INVALID_NUMBER_FORMAT</c>.
    /// </summary>
    private (FakeFreeSwitch? Peer, string Profile, string Dest, string? Gateway, string? Cause) ResolvePeerDial(string rest)
    {
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return (null, string.Empty, string.Empty, null, "INVALID_NUMBER_FORMAT");
        }

        var first = rest[..slash];
        var tail = rest[(slash + 1)..];
        if (first == "gateway")
        {
            var gwSlash = tail.IndexOf('/', StringComparison.Ordinal);
            var gw = gwSlash < 0 ? tail : tail[..gwSlash];
            var gwDest = gwSlash < 0 ? string.Empty : tail[(gwSlash + 1)..];
            var at = gwDest.IndexOf('@', StringComparison.Ordinal);
            gwDest = StripParams(at < 0 ? gwDest : gwDest[..at]);
            var peer = FindGateway(gw);
            if (peer is null)
            {
                return (null, "external", gwDest, gw, "INVALID_GATEWAY");
            }

            return IsDialable(gwDest) ? (peer, "external", gwDest, gw, null) : (null, "external", gwDest, gw, "INVALID_NUMBER_FORMAT");
        }

        var uri = tail.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) ? tail[4..] : tail;
        uri = StripParams(uri);
        var uriAt = uri.LastIndexOf('@');
        if (uriAt <= 0 || !IsDialable(uri[..uriAt]) || !Internal.SipAddress.TryParse(uri[(uriAt + 1)..], out var address))
        {
            return (null, first, string.Empty, null, "INVALID_NUMBER_FORMAT");
        }

        var target = FindPeerByAddress(address);
        return (target, first, uri[..uriAt], null, target is null ? "RECOVERY_ON_TIMER_EXPIRE" : null);

        static string StripParams(string s) => s.IndexOf(';', StringComparison.Ordinal) is var i and >= 0 ? s[..i] : s;
        static bool IsDialable(string d) => d.Length > 0 && !d.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch) || ch is '@' or '/' or '{' or '}');
    }

    /// <summary>On the called switch: the INVITE arrives; the trunk dialplan admits and parks the call, or refuses it.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "A throwing test filter must refuse the call (fail closed), not stop the switch's inbox.")]
    private void OnTrunkInviteLocked(TrunkInvite inv)
    {
        if (_channels.ContainsKey(inv.InUuid))
        {
            return;
        }

        var c = NewChannel("inbound", $"sofia/external/{inv.CallerIdNumber}@{inv.From.Host}", inv.CallerIdName, inv.CallerIdNumber, inv.Destination, Options.TrunkContext, inv.InUuid);
        c.NetworkAddr = inv.From.Host;
        c.Trunk = new TrunkLeg(inv.Caller, inv.OutUuid, outbound: false);
        SeedTrunkInbound(c, inv);
        Emit("CHANNEL_CREATE", c, "switch_core_state_machine.c", "switch_core_session_run", 626);
        c.State = "CS_EXECUTE";
        c.CallState = "RINGING";
        string? refusal = null;
        if (Options.TrunkCallFilter is { } filter)
        {
            try
            {
                refusal = filter(new FakeTrunkCall(inv.From.ToString(), inv.Destination, inv.CallerIdName, inv.CallerIdNumber, inv.Caller));
            }
            catch (Exception)
            {
                refusal = "CALL_REJECTED";
            }

            if (refusal is not null && (refusal.Length == 0 || !refusal.All(ch => ch is (>= 'A' and <= 'Z') or '_')))
            {
                refusal = "CALL_REJECTED";
            }
        }

        if (refusal is not null)
        {
            RunAppLocked(c, "hangup", refusal, Guid.NewGuid().ToString());
            return;
        }

        if (Options.MarkSupervisionPeers && c.DestinationNumber.StartsWith("sup-", StringComparison.Ordinal))
        {
            // The shipped peer dialplan's "set esl_supervision_peer=true": only a call that passed its ACL carries it.
            c.SetVariableLocked("esl_supervision_peer", "true");
        }

        if (Options.AnswerTrunkCalls)
        {
            RunAppLocked(c, "answer", string.Empty, Guid.NewGuid().ToString());
        }

        ParkLocked(c, 0);
    }

    private void SeedTrunkInbound(FakeChannel c, TrunkInvite inv)
    {
        // What mod_sofia sets on a call from another switch (capture supervision-client-calls-agent, first CHANNEL_CREATE):
        // the network addresses are the calling switch's; no digest-auth variables, as peers are trusted by address, not by user.
        var from = inv.From;
        var me = Sip;
        var port = from.Port.ToString(CultureInfo.InvariantCulture);
        c.SetVariableLocked("sip_from_user", inv.CallerIdNumber);
        c.SetVariableLocked("sip_from_uri", $"{inv.CallerIdNumber}@{from.Host}");
        c.SetVariableLocked("sip_from_host", from.Host);
        c.SetVariableLocked("channel_name", c.Name);
        c.SetVariableLocked("sip_call_id", inv.SipCallId);
        c.SetVariableLocked("sip_local_network_addr", me.Host);
        c.SetVariableLocked("sip_network_ip", from.Host);
        c.SetVariableLocked("sip_network_port", port);
        c.SetVariableLocked("sip_received_ip", from.Host);
        c.SetVariableLocked("sip_received_port", port);
        c.SetVariableLocked("sip_via_protocol", "udp");
        c.SetVariableLocked("sofia_profile_name", "external");
        c.SetVariableLocked("sip_from_display", inv.CallerIdName);
        c.SetVariableLocked("sip_full_from", $"\"{inv.CallerIdName}\" <sip:{inv.CallerIdNumber}@{from.Host}>");
        c.SetVariableLocked("sip_req_user", inv.Destination);
        c.SetVariableLocked("sip_req_uri", $"{inv.Destination}@{me}");
        c.SetVariableLocked("sip_req_host", me.Host);
        c.SetVariableLocked("sip_to_user", inv.Destination);
        c.SetVariableLocked("sip_to_host", me.Host);
        c.SetVariableLocked("sip_contact_host", from.Host);
        c.SetVariableLocked("sip_user_agent", "FreeSWITCH-mod_sofia/1.10.12-release");
        foreach (var (k, v) in inv.Headers)
        {
            c.SetVariableLocked("sip_h_" + k["sip_h_".Length..], v);
        }

        c.SetVariableLocked("read_codec", "PCMU");
        c.SetVariableLocked("write_codec", "PCMU");
        c.SetVariableLocked("dtmf_type", "rfc2833");
        c.SetVariableLocked("endpoint_disposition", "RECEIVED");
    }

    /// <summary>Called when a leg is answered on this switch: an inbound trunk leg's answer is the 200 OK to the caller.</summary>
    private static void OnAnsweredLocked(FakeChannel c)
    {
        if (c.Trunk is { Outbound: false, Closed: false } t)
        {
            var remote = t.Remote;
            var uuid = t.RemoteUuid;
            remote.Post(() => remote.OnTrunkAnsweredLocked(uuid));
        }
    }

    private void OnTrunkAnsweredLocked(string outUuid)
    {
        var o = _channels.GetValueOrDefault(outUuid);
        if (o is null || o.IsHungUp || o.OtherLeg is not { } a || a.IsHungUp || a.PeerBridge is not { Answered: false } pb || pb.Out != o)
        {
            return;
        }

        pb.Answered = true;
        pb.Timer?.Dispose();
        o.IsAnswered = true;
        o.AnsweredMicros = NowMicros();
        o.HasCodec = true;
        o.CallState = "ACTIVE";
        o.CalleeIdName = o.CalleeIdNumber;
        o.SetVariableLocked("endpoint_disposition", "ANSWER");
        Emit("CHANNEL_ANSWER", o, "mod_sofia.c", "sofia_answer_channel", 1032);
        if (!a.IsAnswered)
        {
            a.IsAnswered = true;
            a.AnsweredMicros = NowMicros();
            a.CallState = "ACTIVE";
            a.HasCodec = true;
            Emit("CHANNEL_ANSWER", a, "mod_sofia.c", "sofia_answer_channel", 1032);
        }

        // A trunk bridge also records where it went, as mod_sofia's bridge does for an outbound SIP leg.
        BridgeAnsweredLocked(a, o, [new("last_bridge_to", o.Uuid), new("bridge_channel", o.Name), new("bridge_uuid", o.Uuid)]);
    }

    /// <summary>A trunk leg hung up here: BYE (answered) or CANCEL/error response (not answered) to the other end.</summary>
    private static void NotifyTrunkHangupLocked(FakeChannel c, string cause)
    {
        if (c.Trunk is { Closed: false } t)
        {
            t.Closed = true;
            var remote = t.Remote;
            var uuid = t.RemoteUuid;
            var answered = c.IsAnswered;
            remote.Post(() => remote.OnTrunkRemoteHangupLocked(uuid, cause, answered));
        }
    }

    private void OnTrunkRemoteHangupLocked(string uuid, string cause, bool answered)
    {
        var c = _channels.GetValueOrDefault(uuid);
        if (c is null || c.IsHungUp || c.Trunk is not { } t)
        {
            return;
        }

        t.Closed = true;
        if (t.Outbound && c.OtherLeg is { PeerBridge: { Answered: false } pb } a && pb.Out == c)
        {
            // The peer refused or dropped the call before answering: the bridge fails with the peer's cause.
            FailPeerBridgeLocked(a, pb, cause);
            return;
        }

        HangupLocked(c, t.Outbound || answered ? "NORMAL_CLEARING" : "ORIGINATOR_CANCEL", null);
    }

    private void OnTrunkPeerLostLocked(string uuid)
    {
        var c = _channels.GetValueOrDefault(uuid);
        if (c is null || c.IsHungUp || c.Trunk is not { } t)
        {
            return;
        }

        t.Closed = true;
        if (t.Outbound && c.OtherLeg is { PeerBridge: { Answered: false } pb } a && pb.Out == c)
        {
            FailPeerBridgeLocked(a, pb, "RECOVERY_ON_TIMER_EXPIRE");
            return;
        }

        HangupLocked(c, "MEDIA_TIMEOUT", null);
    }

    /// <summary>
    /// The bridge on <paramref name="a"/> failed: the outbound leg (if any) ends with the cause, then the calling leg hangs up
    /// with it (<c>switch_channel_handle_cause</c>) unless <c>continue_on_fail</c> is true or lists the cause.
    /// </summary>
    private void FailPeerBridgeLocked(FakeChannel a, PeerBridge? pb, string cause)
    {
        if (pb is not null)
        {
            a.PeerBridge = null;
            pb.Timer?.Dispose();
            if (!pb.Out.IsHungUp)
            {
                HangupLocked(pb.Out, cause, null);
            }
        }

        var appUuid = a.BridgeApplicationUuid ?? Guid.NewGuid().ToString();
        var data = a.CurrentApplicationData;
        a.BridgeApplicationUuid = null;
        a.SetVariableLocked("originate_disposition", cause);
        a.SetVariableLocked("originate_failed_cause", cause);
        void Complete() => Emit("CHANNEL_EXECUTE_COMPLETE", a, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders("bridge", data, appUuid, "_none_"));
        if (a.IsHungUp)
        {
            return;
        }

        var onFail = a.GetVariableLocked("continue_on_fail");
        if (IsTrue(onFail) || (onFail is not null && onFail.Split(',').Any(x => string.Equals(x.Trim(), cause, StringComparison.OrdinalIgnoreCase))))
        {
            Complete();
            a.CurrentApplication = a.IsParked ? "park" : string.Empty;
            a.CurrentApplicationData = string.Empty;
            if (pb is { HangupWhenDone: true })
            {
                HangupLocked(a, "NORMAL_CLEARING", null);
            }

            return;
        }

        HangupLocked(a, cause, Complete);
    }

    /// <summary>Nobody answered on the peer in time: the caller cancels (the peer's leg ends <c>ORIGINATOR_CANCEL</c>) and the bridge fails <c>NO_ANSWER</c>.</summary>
    private void OnPeerBridgeTimeout(FakeChannel a, PeerBridge pb)
    {
        lock (Gate)
        {
            if (a.PeerBridge == pb && !pb.Answered && !a.IsHungUp)
            {
                FailPeerBridgeLocked(a, pb, "NO_ANSWER");
                NotifyChannelWaiters();
            }
        }
    }

    /// <summary>
    /// The outbound trunk leg <paramref name="o"/> hung up while bridged to <paramref name="a"/> (no <c>hangup_after_bridge</c>):
    /// the bridge application returns. Run from park (<c>sendmsg</c>), <paramref name="a"/> goes on parking (no new
    /// CHANNEL_PARK: the park loop ran the bridge); run from an <c>inline</c> extension, the extension ends and it hangs up.
    /// </summary>
    private void EndPeerBridgeLocked(FakeChannel a, PeerBridge pb, FakeChannel o, string cause)
    {
        a.PeerBridge = null;
        a.BridgedTo = null;
        o.BridgedTo = null;
        Emit("CHANNEL_UNBRIDGE", a, "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1838, pre: [new("Bridge-A-Unique-ID", a.Uuid), new("Bridge-B-Unique-ID", o.Uuid)]);
        FinishLocked(o);
        a.SetVariableLocked("bridge_hangup_cause", cause);
        a.SetVariableLocked("last_bridge_hangup_cause", cause);
        a.BridgeApplicationUuid = null;
        Emit("CHANNEL_EXECUTE_COMPLETE", a, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders("bridge", pb.Data, pb.ApplicationUuid, "_none_"));
        a.CurrentApplication = a.IsParked ? "park" : string.Empty;
        a.CurrentApplicationData = string.Empty;
        if (pb.HangupWhenDone)
        {
            HangupLocked(a, "NORMAL_CLEARING", null);
        }
    }

    /// <summary>An RFC 2833 digit leaves <paramref name="c"/>'s bridge over a trunk; it arrives on the peer's leg as from its endpoint.</summary>
    private Task RelayDigitLocked(FakeChannel c, char digit)
    {
        if (c.BridgedTo is null || _channels.GetValueOrDefault(c.BridgedTo) is not { IsHungUp: false, Trunk: { Closed: false } t })
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remote = t.Remote;
        var uuid = t.RemoteUuid;
        if (!remote.Post(
            () =>
            {
                if (remote._channels.GetValueOrDefault(uuid) is { IsHungUp: false } far)
                {
                    _ = remote.PressDigitLocked(far, digit);
                }

                done.TrySetResult();
            },
            dropped: () => done.TrySetResult()))
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    /// <summary>
    /// Whether audio flows from <paramref name="speakerUuid"/> on <paramref name="speakerSwitch"/> to
    /// <paramref name="listenerUuid"/> on <paramref name="listenerSwitch"/>: locally, or through a trunk leg the listener hears,
    /// whose far end hears the speaker (what a trunk leg's endpoint sends is what its far end is given to hear).
    /// </summary>
    private static bool HearsAcross(FakeFreeSwitch listenerSwitch, string listenerUuid, FakeFreeSwitch speakerSwitch, string speakerUuid, HashSet<(FakeFreeSwitch, string)> visited)
    {
        if (!visited.Add((listenerSwitch, listenerUuid)))
        {
            return false;
        }

        List<(FakeFreeSwitch Remote, string Uuid)> hops = [];
        lock (listenerSwitch.Gate)
        {
            var l = listenerSwitch._channels.GetValueOrDefault(listenerUuid);
            if (l is null || l.IsHungUp)
            {
                return false;
            }

            if (listenerSwitch == speakerSwitch && listenerSwitch._channels.GetValueOrDefault(speakerUuid) is { } s && listenerSwitch.HearsLocked(l, s))
            {
                return true;
            }

            foreach (var x in listenerSwitch._channels.Values)
            {
                if (x.Trunk is { Closed: false } t && x.IsAnswered && listenerSwitch.HearsLocked(l, x))
                {
                    hops.Add((t.Remote, t.RemoteUuid));
                }
            }
        }

        foreach (var (remote, uuid) in hops)
        {
            if (HearsAcross(remote, uuid, speakerSwitch, speakerUuid, visited))
            {
                return true;
            }
        }

        return false;
    }

    private sealed record TrunkInvite(FakeFreeSwitch Caller, SipAddress From, string OutUuid, string InUuid, string Destination, string CallerIdName, string CallerIdNumber, string SipCallId, List<KeyValuePair<string, string>> Headers);
}
