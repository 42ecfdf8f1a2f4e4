using System.Globalization;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <summary>
/// The call-control API commands (<c>originate</c>, <c>uuid_bridge</c>, <c>uuid_transfer</c>, <c>uuid_exists</c>),
/// with the reply texts of FreeSWITCH 1.10's <c>mod_commands</c>: <c>+OK &lt;uuid&gt;</c> / <c>-ERR &lt;CAUSE&gt;</c>,
/// <c>+OK &lt;other uuid&gt;</c> / <c>-ERR Invalid uuid</c>, <c>+OK</c> / <c>-ERR No Such Channel!</c>, <c>true</c> / <c>false</c>.
/// </summary>
public sealed partial class FakeFreeSwitch
{
    /// <summary>
    /// <c>originate {vars}user/EXT@DOMAIN &amp;app(arg)|EXT [dialplan] [context]</c>. A directory user that is registered
    /// answers at once (CHANNEL_CREATE, CHANNEL_ANSWER), then runs the application; the fake's dialplan parks every
    /// extension. Unknown user: <c>SUBSCRIBER_ABSENT</c>; known but not registered: <c>USER_NOT_REGISTERED</c>;
    /// <see cref="FakeUser.OriginateFailureCause"/> when set. Any other endpoint answers like a carrier.
    /// </summary>
    private string OriginateLocked(string[] parts, out Action? deferred)
    {
        deferred = null;
        if (parts.Length < 3 || parts.Length > 8)
        {
            return "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n";
        }

        var dial = parts[1];
        var variables = new List<KeyValuePair<string, string>>();
        if (dial.StartsWith('{'))
        {
            var end = dial.IndexOf('}', StringComparison.Ordinal);
            if (end < 0)
            {
                return "-ERR INVALID_NUMBER_FORMAT\n";
            }

            foreach (var pair in dial[1..end].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    variables.Add(new(pair[..eq], pair[(eq + 1)..]));
                }
            }

            dial = dial[(end + 1)..];
        }

        string? Var(string name) => variables.LastOrDefault(v => v.Key == name).Value;
        bool isUser = dial.StartsWith("user/", StringComparison.Ordinal);
        string ext = isUser ? dial[5..] : dial[(dial.LastIndexOf('/') + 1)..];
        string? domain = null;
        FakeUser? user = null;
        if (isUser)
        {
            var at = ext.IndexOf('@', StringComparison.Ordinal);
            domain = at < 0 ? null : ext[(at + 1)..];
            ext = at < 0 ? ext : ext[..at];
            user = domain is null ? null : FindUserLocked(ext, domain);
            if (user is null)
            {
                return "-ERR SUBSCRIBER_ABSENT\n";
            }

            if (!user.Registered)
            {
                return "-ERR USER_NOT_REGISTERED\n";
            }

            if (user.OriginateFailureCause is { } cause)
            {
                return $"-ERR {cause}\n";
            }
        }

        var uuid = Var("origination_uuid") ?? Guid.NewGuid().ToString();
        if (_channels.ContainsKey(uuid))
        {
            // Not measured on the real switch: the fake refuses a second session with the same UUID rather than corrupt its table.
            return "-ERR DESTINATION_OUT_OF_ORDER\n";
        }

        var name = isUser ? $"sofia/internal/{ext}@{domain}" : $"sofia/external/{ext}@carrier";
        var c = new FakeChannel(Gate, uuid, "outbound", name, NowMicros())
        {
            CallerIdName = Var("origination_caller_id_name") ?? "0000000000",
            CallerIdNumber = Var("origination_caller_id_number") ?? "0000000000",
            CalleeIdName = "Outbound Call",
            CalleeIdNumber = ext,
            DestinationNumber = ext,
            Context = "default",
            HitDialplan = false,
            PresenceId = isUser ? $"{ext}@{domain}" : null,
            CallUuid = uuid,
        };
        _channels[uuid] = c;
        c.SetVariableLocked("direction", "outbound");
        c.SetVariableLocked("is_outbound", "true");
        c.SetVariableLocked("uuid", uuid);
        c.SetVariableLocked("call_uuid", uuid);
        c.SetVariableLocked("session_id", (++_sessionId).ToString(CultureInfo.InvariantCulture));
        c.SetVariableLocked("channel_name", name);
        if (isUser)
        {
            c.SetVariableLocked("dialed_user", ext);
            c.SetVariableLocked("dialed_domain", domain);
            c.SetVariableLocked("presence_id", $"{ext}@{domain}");
        }

        foreach (var v in variables)
        {
            c.SetVariableLocked(v.Key, v.Value.Length == 0 ? null : v.Value);
        }

        var target = parts[2];
        var dialplanContext = parts.ElementAtOrDefault(4) ?? "default";
        if (user is { AutoAnswer: false })
        {
            // The phone rings until the test answers it (AnswerRinging), rejects it, or originate_timeout passes.
            deferred = () => StartRingingLocked(c, target, dialplanContext, Var("originate_timeout"));
            return PendingOriginateReply(uuid);
        }

        deferred = () =>
        {
            Emit("CHANNEL_CREATE", c, "switch_core_state_machine.c", "switch_core_session_run", 626);
            AnswerOriginatedLocked(c, target, dialplanContext);
        };
        return $"+OK {uuid}\n";
    }

    /// <summary>What an originated leg does once answered: CHANNEL_ANSWER, then its application or extension.</summary>
    private void AnswerOriginatedLocked(FakeChannel c, string target, string dialplanContext)
    {
        {
            c.IsAnswered = true;
            c.AnsweredMicros = NowMicros();
            c.HasCodec = true;
            c.State = "CS_EXECUTE";
            c.CallState = "ACTIVE";
            c.SetVariableLocked("endpoint_disposition", "ANSWER");
            Emit("CHANNEL_ANSWER", c, "mod_sofia.c", "sofia_answer_channel", 1032);
            if (target.StartsWith('&'))
            {
                var open = target.IndexOf('(', StringComparison.Ordinal);
                var close = target.IndexOf(')', StringComparison.Ordinal);
                var app = open < 0 ? target[1..] : target[1..open];
                var arg = open < 0 ? string.Empty : target[(open + 1)..(close < 0 ? target.Length : close)];
                if (app == "park")
                {
                    ParkLocked(c, 0);
                }
                else
                {
                    RunAppLocked(c, app, arg, Guid.NewGuid().ToString());
                }
            }
            else
            {
                TransferLocked(c, target, dialplanContext);
            }
        }
    }

    private string UuidBridgeLocked(string[] parts, out Action? deferred)
    {
        deferred = null;
        if (parts.Length < 3)
        {
            return "-USAGE: <uuid> <other_uuid>\n";
        }

        var a = Live(parts[1]);
        var b = Live(parts[2]);
        if (a is null || b is null || a == b)
        {
            return "-ERR Invalid uuid\n";
        }

        deferred = () =>
        {
            foreach (var leg in new[] { a, b })
            {
                LeaveParkLocked(leg);
                LeaveBridgeLocked(leg);
            }

            a.IsALeg = true;
            a.OtherLeg = b;
            a.OtherType = "originatee";
            b.OtherLeg = a;
            b.OtherType = "originator";
            a.BridgedTo = b.Uuid;
            b.BridgedTo = a.Uuid;
            a.BridgedMicros = NowMicros();
            b.BridgedMicros = a.BridgedMicros;
            a.State = "CS_EXCHANGE_MEDIA";
            b.State = "CS_EXCHANGE_MEDIA";
            a.SetVariableLocked("bridge_uuid", b.Uuid);
            b.SetVariableLocked("bridge_uuid", a.Uuid);
            Emit("CHANNEL_BRIDGE", a, "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1689, pre: [new("Bridge-A-Unique-ID", a.Uuid), new("Bridge-B-Unique-ID", b.Uuid)]);
        };
        return $"+OK {b.Uuid}\n";
    }

    private string UuidTransferLocked(string[] parts, out Action? deferred)
    {
        deferred = null;
        if (parts.Length < 3 || parts.Length > 6)
        {
            return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n";
        }

        var c = Live(parts[1]);
        if (c is null)
        {
            return "-ERR No Such Channel!\n";
        }

        var i = 2;
        var option = parts[2].StartsWith('-') ? parts[i++] : null;
        if (i >= parts.Length)
        {
            return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n";
        }

        var dest = parts[i];
        var context = parts.ElementAtOrDefault(i + 2) ?? "default";
        var inline = parts.ElementAtOrDefault(i + 1) == "inline";
        var partner = c.BridgedTo is not null ? Live(c.BridgedTo) : null;
        var legs = option switch
        {
            "-bleg" => partner is null ? [c] : new[] { partner },
            "-both" => partner is null ? [c] : new[] { c, partner },
            _ => [c],
        };
        deferred = () =>
        {
            foreach (var leg in legs)
            {
                if (inline)
                {
                    TransferInlineLocked(leg, dest, context);
                }
                else
                {
                    TransferLocked(leg, dest, context);
                }
            }
        };
        return "+OK\n";
    }

    /// <summary>The fake's dialplan: every extension a channel is sent to parks it (as the service-code dialplan does).</summary>
    private void TransferLocked(FakeChannel c, string extension, string context)
    {
        LeaveParkLocked(c);
        LeaveBridgeLocked(c);
        c.DestinationNumber = extension;
        c.Context = context;
        ParkLocked(c, 0);
    }

    /// <summary>
    /// The <c>inline</c> dialplan: <c>app:arg,app:arg</c> run in order (a ',' inside an argument is not supported), then the
    /// extension ends and the leg hangs up, as a real extension without more applications does. <c>park</c> parks; a
    /// <c>bridge</c> to a peer switch is the last application modelled: when it ends the leg hangs up.
    /// </summary>
    private void TransferInlineLocked(FakeChannel c, string applications, string context)
    {
        LeaveParkLocked(c);
        LeaveBridgeLocked(c);
        c.DestinationNumber = applications;
        c.Context = context;
        c.State = "CS_EXECUTE";
        foreach (var step in applications.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (c.IsHungUp)
            {
                return;
            }

            var colon = step.IndexOf(':', StringComparison.Ordinal);
            var app = colon < 0 ? step : step[..colon];
            var arg = colon < 0 ? string.Empty : step[(colon + 1)..];
            if (app == "park")
            {
                ParkLocked(c, 0);
                return;
            }

            RunAppLocked(c, app, arg, Guid.NewGuid().ToString());
            if (c.PeerBridge is { } bridging)
            {
                bridging.HangupWhenDone = true;
                return;
            }
        }

        if (!c.IsHungUp && c.RunningEavesdrop is null)
        {
            HangupLocked(c, "NORMAL_CLEARING", null);
        }
    }

    private void LeaveParkLocked(FakeChannel c)
    {
        if (!c.IsParked)
        {
            return;
        }

        c.IsParked = false;
        c.ParkTimer?.Dispose();
        Emit("CHANNEL_UNPARK", c, "switch_ivr.c", "switch_ivr_park", 1335);
        Emit("CHANNEL_EXECUTE_COMPLETE", c, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders("park", string.Empty, c.ParkApplicationUuid ?? Guid.NewGuid().ToString(), "_none_"));
    }

    private void LeaveBridgeLocked(FakeChannel c)
    {
        var partner = c.BridgedTo is not null ? _channels.GetValueOrDefault(c.BridgedTo) : null;
        if (partner is null)
        {
            return;
        }

        var a = c.IsALeg ? c : partner;
        var b = a == c ? partner : c;
        a.BridgedTo = null;
        b.BridgedTo = null;
        Emit("CHANNEL_UNBRIDGE", a, "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1838, pre: [new("Bridge-A-Unique-ID", a.Uuid), new("Bridge-B-Unique-ID", b.Uuid)]);
    }
}
