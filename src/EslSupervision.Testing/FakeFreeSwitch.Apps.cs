using System.Globalization;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

public sealed partial class FakeFreeSwitch
{
    /// <summary>
    /// A DTMF digit pressed on the channel's endpoint (RFC 2833 from the phone). During eavesdrop with
    /// <c>eavesdrop_enable_dtmf</c> not <c>false</c> the digit acts natively (0 spy, 1 MUX_READ, 2 MUX_WRITE, 3 both, * ends)
    /// and a DTMF event fires; a digit bound with <c>bind_digit_action</c> in the active realm runs its action
    /// (<c>exec[i]:event,H=V</c> → CHANNEL_EXECUTE, CHANNEL_APPLICATION, CHANNEL_EXECUTE_COMPLETE). With
    /// <c>eavesdrop_enable_dtmf=false</c> and no binding nothing is fired. When the channel is bridged to a trunk leg (see
    /// <see cref="LinkPeer"/>) the digit also travels as RFC 2833 to the leg on the peer switch, which handles it as a digit
    /// from its own endpoint (DTMF event, bindings, native eavesdrop digits).
    /// </summary>
    /// <param name="uuid">The channel whose endpoint presses the key.</param>
    /// <param name="digit">0-9, *, #, A-D.</param>
    /// <param name="cancellationToken">Not used; the press is processed synchronously on this switch.</param>
    /// <returns>A task that completes once the peer switch has handled the relayed digit (at once when nothing is relayed).</returns>
    public Task PressDigitAsync(string uuid, char digit, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (Gate)
        {
            var c = _channels.GetValueOrDefault(uuid) ?? throw new ArgumentException("No such channel: " + uuid, nameof(uuid));
            var relayed = PressDigitLocked(c, digit);
            NotifyChannelWaiters();
            return relayed;
        }
    }

    /// <summary>The digit as it arrives from <paramref name="c"/>'s endpoint; returns the relay across a trunk bridge, if any.</summary>
    private Task PressDigitLocked(FakeChannel c, char digit)
    {
        if (c.IsHungUp)
        {
            return Task.CompletedTask;
        }

        var eavesdropping = c.RunningEavesdrop is not null;
        var dtmfOn = !string.Equals(c.GetVariableLocked("eavesdrop_enable_dtmf"), "false", StringComparison.OrdinalIgnoreCase);
        if (!eavesdropping || dtmfOn)
        {
            var h = NewEvent("DTMF", "switch_channel.c", "switch_channel_dequeue_dtmf", 535);
            c.AppendChannelData(h, withVariables: false);
            h.Add(new("DTMF-Digit", digit.ToString()));
            h.Add(new("DTMF-Duration", "2000"));
            h.Add(new("DTMF-Source", "RTP"));
            Fire(new EventData(h, null));
        }

        if (c.DigitRealm is { } realm && c.DigitBindings.TryGetValue(realm, out var map) && map.TryGetValue(digit, out var action))
        {
            RunBindingLocked(c, action.App, action.Arg);
        }

        if (c.RunningEavesdrop is { } e && dtmfOn)
        {
            ApplyEavesdropCommandLocked(e, digit.ToString());
        }

        return RelayDigitLocked(c, digit);
    }

    /// <summary>
    /// Whether <paramref name="listenerUuid"/>'s endpoint hears <paramref name="speakerUuid"/>'s endpoint right now. With peer
    /// links (<see cref="LinkPeer"/>) both legs may be on this switch or on any switch linked to it, directly or through
    /// others, and audio follows answered trunk calls: a trunk leg's endpoint sends what its far end is given to hear, so the
    /// agent on switch B hears the supervisor on switch A when the supervisor's leg is bridged to A's outbound trunk leg and
    /// B's inbound trunk leg whispers to the agent.
    /// </summary>
    /// <param name="listenerUuid">The listening leg.</param>
    /// <param name="speakerUuid">The speaking leg.</param>
    /// <returns>True when audio flows from speaker to listener (bridge or eavesdrop mixing, across linked switches).</returns>
    public bool Hears(string listenerUuid, string speakerUuid)
    {
        ArgumentNullException.ThrowIfNull(listenerUuid);
        ArgumentNullException.ThrowIfNull(speakerUuid);
        lock (Gate)
        {
            var l = _channels.GetValueOrDefault(listenerUuid);
            var s = _channels.GetValueOrDefault(speakerUuid);
            if (l is not null && s is not null && !_channels.Values.Any(c => c.Trunk is not null))
            {
                return HearsLocked(l, s);
            }
        }

        // Peer links: the legs may be on any linked switch, and audio may cross trunks on its way.
        if (Locate(listenerUuid) is not { } listener || Locate(speakerUuid) is not { } speaker)
        {
            return false;
        }

        lock (speaker.Switch.Gate)
        {
            if (speaker.Channel.IsHungUp)
            {
                return false;
            }
        }

        return HearsAcross(listener.Switch, listenerUuid, speaker.Switch, speakerUuid, []);
    }

    private bool HearsLocked(FakeChannel l, FakeChannel s)
    {
        if (l == s || l.IsHungUp || s.IsHungUp)
        {
            return false;
        }

        if (l.BridgedTo == s.Uuid)
        {
            return true;
        }

        foreach (var c in _channels.Values)
        {
            if (c.RunningEavesdrop is not { } e)
            {
                continue;
            }

            if (e.Supervisor == l && (s == e.Target || s.Uuid == e.Target.BridgedTo))
            {
                return true;
            }

            if (e.Supervisor == s)
            {
                if (e.Flags.HasFlag(EavesdropFlags.MuxWrite) && l == e.Target)
                {
                    return true;
                }

                if (e.Flags.HasFlag(EavesdropFlags.MuxRead) && l.Uuid == e.Target.BridgedTo)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The mixing flags of the eavesdrop the given supervisor leg runs, or null when it runs none.</summary>
    /// <param name="supervisorUuid">The eavesdropping leg.</param>
    /// <returns>The flags or null.</returns>
    public EavesdropFlags? GetEavesdropFlags(string supervisorUuid)
    {
        lock (Gate)
        {
            return _channels.GetValueOrDefault(supervisorUuid)?.RunningEavesdrop?.Flags;
        }
    }

    /// <summary>The target leg of the eavesdrop the given supervisor leg runs, or null.</summary>
    /// <param name="supervisorUuid">The eavesdropping leg.</param>
    /// <returns>The target's uuid or null.</returns>
    public string? GetEavesdropTarget(string supervisorUuid)
    {
        lock (Gate)
        {
            return _channels.GetValueOrDefault(supervisorUuid)?.RunningEavesdrop?.Target.Uuid;
        }
    }

    internal void SendMsg(string uuid, List<KeyValuePair<string, string>> headers, string body)
    {
        string? H(string n) => headers.FirstOrDefault(h => string.Equals(h.Key, n, StringComparison.OrdinalIgnoreCase)).Value;
        lock (Gate)
        {
            if (!_channels.TryGetValue(uuid, out var c) || c.IsHungUp)
            {
                return;
            }

            var command = H("call-command") ?? "execute";
            Action run;
            if (string.Equals(command, "hangup", StringComparison.OrdinalIgnoreCase))
            {
                var cause = H("hangup-cause") ?? "NORMAL_CLEARING";
                run = () => HangupLocked(c, cause, null);
            }
            else if (string.Equals(command, "execute", StringComparison.OrdinalIgnoreCase))
            {
                var app = H("execute-app-name") ?? string.Empty;
                var arg = H("execute-app-arg");
                if (arg is null && string.Equals(H("content-type"), "text/plain", StringComparison.OrdinalIgnoreCase))
                {
                    arg = body;
                }

                var appUuid = H("Event-UUID") ?? Guid.NewGuid().ToString();
                run = () => RunAppLocked(c, app, arg ?? string.Empty, appUuid);
            }
            else
            {
                return;
            }

            if (c.RunningEavesdrop is not null)
            {
                c.PendingApplications.Enqueue(run);
            }
            else
            {
                run();
            }

            NotifyChannelWaiters();
        }
    }

    internal void SendEvent(string name, List<KeyValuePair<string, string>> headers, string? body, string eventUuid)
    {
        lock (Gate)
        {
            var target = headers.FirstOrDefault(h => string.Equals(h.Key, "unique-id", StringComparison.OrdinalIgnoreCase)).Value;
            if (target is not null && _channels.TryGetValue(target, out var c) && !c.IsHungUp)
            {
                // Queued to the session, not fired. The eavesdrop loop reads eavesdrop-command from it.
                var cmd = headers.FirstOrDefault(h => string.Equals(h.Key, "eavesdrop-command", StringComparison.OrdinalIgnoreCase)).Value;
                if (c.RunningEavesdrop is { } e && cmd is not null)
                {
                    ApplyEavesdropCommandLocked(e, cmd.Trim());
                    NotifyChannelWaiters();
                }

                return;
            }

            var extra = headers.Where(h => !string.Equals(h.Key, "content-length", StringComparison.OrdinalIgnoreCase) && h.Key != "Event-Name").ToList();
            extra.Add(new("Event-UUID", eventUuid));
            Fire(new EventData(NewEvent(name, "mod_event_socket.c", "parse_command", 2273, extra), body));
        }
    }

    internal void RunAppLocked(FakeChannel c, string app, string arg, string appUuid)
    {
        c.SetVariableLocked("current_application", app);
        if (arg.Length > 0)
        {
            c.SetVariableLocked("current_application_data", arg);
        }

        Emit("CHANNEL_EXECUTE", c, "switch_core_session.c", "switch_core_session_exec", 2944, post: AppHeaders(app, arg, appUuid, null));
        var response = "_none_";
        switch (app)
        {
            case "answer":
            case "pre_answer":
                if (!c.IsAnswered)
                {
                    c.IsAnswered = true;
                    c.AnsweredMicros = NowMicros();
                    c.CallState = "ACTIVE";
                    c.HasCodec = true;
                    Emit("CHANNEL_ANSWER", c, "mod_sofia.c", "sofia_answer_channel", 1032);
                    if (app == "answer")
                    {
                        OnAnsweredLocked(c);
                    }
                }

                break;
            case "bridge":
                if (c.PeerBridge is null && c.BridgedTo is null && TryBridgeToPeerLocked(c, arg, appUuid))
                {
                    return; // completes when the bridge ends or fails
                }

                break;
            case "set":
            case "export":
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    var v = arg[(eq + 1)..];
                    c.SetVariableLocked(arg[..eq], v.Length == 0 ? null : v);
                }

                break;
            }

            case "unset":
                c.SetVariableLocked(arg, null);
                break;
            case "hangup":
                HangupLocked(c, arg.Length > 0 ? arg : "NORMAL_CLEARING", () =>
                    Emit("CHANNEL_EXECUTE_COMPLETE", c, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders(app, arg, appUuid, response)));
                return;
            case "playback":
                response = "FILE PLAYED";
                break;
            case "bind_digit_action":
            {
                var parts = arg.Split(',', 4);
                if (parts.Length >= 3 && parts[1].Length == 1)
                {
                    if (!c.DigitBindings.TryGetValue(parts[0], out var map))
                    {
                        map = [];
                        c.DigitBindings[parts[0]] = map;
                    }

                    map[parts[1][0]] = (parts[2], parts.Length > 3 ? parts[3] : string.Empty);
                }

                break;
            }

            case "digit_action_set_realm":
                c.DigitRealm = arg.Split(',')[0];
                break;
            case "clear_digit_action":
                if (arg == "all")
                {
                    c.DigitBindings.Clear();
                }
                else
                {
                    c.DigitBindings.Remove(arg);
                }

                break;
            case "eavesdrop":
            {
                var target = _channels.GetValueOrDefault(arg.Trim());
                if (target is null || target.IsHungUp || target == c)
                {
                    break;
                }

                var flags = EavesdropFlags.None;
                if (IsTrue(c.GetVariableLocked("eavesdrop_whisper_aleg")))
                {
                    flags |= EavesdropFlags.MuxRead;
                }

                if (IsTrue(c.GetVariableLocked("eavesdrop_whisper_bleg")))
                {
                    flags |= EavesdropFlags.MuxWrite;
                }

                var e = new EavesdropSession(c, target, appUuid, flags);
                c.RunningEavesdrop = e;
                target.BugsOnMe.Add(e);
                c.CurrentApplication = "eavesdrop";
                c.CurrentApplicationData = target.Uuid;
                c.ReadCodec = "L16";
                Emit("MEDIA_BUG_START", target, "switch_core_media_bug.c", "switch_core_media_bug_add", 1014, pre: [new("Media-Bug-Function", "eavesdrop"), new("Media-Bug-Target", target.Uuid)]);
                return; // completes when eavesdrop ends
            }

            default:
                break;
        }

        Emit("CHANNEL_EXECUTE_COMPLETE", c, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders(app, arg, appUuid, response));
    }

    private static bool IsTrue(string? v) => v is not null && (v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1" || v.Equals("yes", StringComparison.OrdinalIgnoreCase) || v.Equals("on", StringComparison.OrdinalIgnoreCase));

    private void ApplyEavesdropCommandLocked(EavesdropSession e, string command)
    {
        switch (command)
        {
            case "0": e.Flags = EavesdropFlags.None; break;
            case "1": e.Flags = EavesdropFlags.MuxRead; break;
            case "2": e.Flags = EavesdropFlags.MuxWrite; break;
            case "3": e.Flags = EavesdropFlags.MuxRead | EavesdropFlags.MuxWrite; break;
            case "*": EndEavesdropLocked(e, drain: true); break;
            default: break;
        }
    }

    private void EndEavesdropLocked(EavesdropSession e, bool drain)
    {
        var s = e.Supervisor;
        if (s.RunningEavesdrop != e)
        {
            return;
        }

        s.RunningEavesdrop = null;
        e.Target.BugsOnMe.Remove(e);
        Emit("MEDIA_BUG_STOP", e.Target, "switch_core_media_bug.c", "switch_core_media_bug_close", 1247, pre: [new("Media-Bug-Function", "eavesdrop"), new("Media-Bug-Target", e.Target.Uuid)]);
        Emit("CHANNEL_EXECUTE_COMPLETE", s, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders("eavesdrop", e.Target.Uuid, e.ApplicationUuid, "_none_"));
        s.CurrentApplication = s.IsParked ? "park" : string.Empty;
        s.CurrentApplicationData = string.Empty;
        if (drain)
        {
            while (!s.IsHungUp && s.RunningEavesdrop is null && s.PendingApplications.Count > 0)
            {
                s.PendingApplications.Dequeue()();
            }
        }
    }

    private void RunBindingLocked(FakeChannel c, string action, string arg)
    {
        // exec[i]:APP or exec:APP; other action types are not modelled.
        var colon = action.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !action.StartsWith("exec", StringComparison.Ordinal))
        {
            return;
        }

        var app = action[(colon + 1)..];
        var appUuid = Guid.NewGuid().ToString();
        Emit("CHANNEL_EXECUTE", c, "switch_core_session.c", "switch_core_session_exec", 2944, post: AppHeaders(app, arg, appUuid, null));
        if (app == "event")
        {
            var extra = new List<KeyValuePair<string, string>>();
            foreach (var pair in arg.Split(','))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    extra.Add(new(pair[..eq], pair[(eq + 1)..]));
                }
            }

            var h = NewEvent("CHANNEL_APPLICATION", "mod_dptools.c", "event_function", 1902, extra);
            c.AppendChannelData(h, withVariables: false);
            Fire(new EventData(h, null));
        }

        Emit("CHANNEL_EXECUTE_COMPLETE", c, "switch_core_session.c", "switch_core_session_exec", 2985, post: AppHeaders(app, arg, appUuid, "_none_"));
    }

    internal static List<KeyValuePair<string, string>> AppHeaders(string app, string data, string appUuid, string? response)
    {
        var h = new List<KeyValuePair<string, string>> { new("Application", app) };
        if (data.Length > 0)
        {
            h.Add(new("Application-Data", data));
        }

        if (response is not null)
        {
            h.Add(new("Application-Response", response));
        }

        h.Add(new("Application-UUID", appUuid));
        return h;
    }

    internal EventData CreateChannelEvent(string name, FakeChannel c, string file, string function, int line,
        List<KeyValuePair<string, string>>? pre = null, List<KeyValuePair<string, string>>? post = null, int? stateNumber = null)
    {
        var h = NewEvent(name, file, function, line, pre);
        c.AppendChannelData(h, withVariables: true, stateNumber);
        if (post is not null)
        {
            h.AddRange(post);
        }

        return new EventData(h, null);
    }

    private void Emit(string name, FakeChannel c, string file, string function, int line,
        List<KeyValuePair<string, string>>? pre = null, List<KeyValuePair<string, string>>? post = null, int? stateNumber = null) =>
        Fire(CreateChannelEvent(name, c, file, function, line, pre, post, stateNumber));

    internal void RunBackgroundJob(string jobUuid, string commandLine, string? ownerUuid)
    {
        var result = ExecuteApi(commandLine, out var deferred);
        lock (Gate)
        {
            deferred?.Invoke();
            if (TryHoldOriginateReply(result, reply => FireBackgroundJobLocked(jobUuid, commandLine, ownerUuid, reply)))
            {
                NotifyChannelWaiters();
                return;
            }

            FireBackgroundJobLocked(jobUuid, commandLine, ownerUuid, result);
        }
    }

    private void FireBackgroundJobLocked(string jobUuid, string commandLine, string? ownerUuid, string result)
    {
        {
            var sp = commandLine.IndexOf(' ', StringComparison.Ordinal);
            var extra = new List<KeyValuePair<string, string>>
            {
                new("Job-UUID", jobUuid),
                new("Job-Command", sp < 0 ? commandLine : commandLine[..sp]),
            };
            if (sp >= 0)
            {
                extra.Add(new("Job-Command-Arg", commandLine[(sp + 1)..]));
            }

            if (ownerUuid is not null)
            {
                extra.Add(new("Job-Owner-UUID", ownerUuid));
            }

            Fire(new EventData(NewEvent("BACKGROUND_JOB", "mod_event_socket.c", "api_exec", 1578, extra), result));
            NotifyChannelWaiters();
        }
    }

    internal static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);
}
