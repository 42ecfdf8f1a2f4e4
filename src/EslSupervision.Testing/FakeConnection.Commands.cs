using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <content>The command switch: what the fake answers to each ESL command, apart from the transport.</content>
public sealed partial class FakeConnection
{
    private void Handle(string head, byte[] body)
    {
        var lines = head.Split('\n');
        var first = lines[0].Trim();
        var headers = new List<KeyValuePair<string, string>>();
        for (var i = 1; i < lines.Length; i++)
        {
            var c = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (c > 0)
            {
                headers.Add(new(lines[i][..c].Trim(), lines[i][(c + 1)..].TrimStart(' ')));
            }
        }

        var sp = first.IndexOf(' ', StringComparison.Ordinal);
        var cmd = sp < 0 ? first : first[..sp];
        var arg = sp < 0 ? string.Empty : first[(sp + 1)..].Trim();
        var bodyText = Encoding.UTF8.GetString(body);

        if (!_authenticated)
        {
            HandleAuth(cmd, arg);
            return;
        }

        switch (cmd)
        {
            case "exit":
            case "...":
                Reply("+OK bye");
                Disconnect();
                return;
            case "event":
                HandleEvent(arg);
                return;
            case "myevents":
                HandleMyEvents(arg);
                return;
            case "nixevent":
                if (arg.Length == 0)
                {
                    Reply("-ERR no keywords supplied");
                    return;
                }

                lock (_server.Gate)
                {
                    Subscription.Remove(arg.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                }

                Reply("+OK events nixed");
                return;
            case "noevents":
                bool had;
                lock (_server.Gate)
                {
                    had = Subscription.Any;
                    Subscription.Clear();
                }

                Reply(had ? "+OK no longer listening for events" : "-ERR not listening for events");
                return;
            case "filter":
                HandleFilter(arg);
                return;
            case "api":
                HandleApi(arg);
                return;
            case "bgapi":
                HandleBgapi(arg, headers);
                return;
            case "sendmsg":
                HandleSendMsg(arg, headers, bodyText);
                return;
            case "sendevent":
                HandleSendEvent(arg, headers, bodyText);
                return;
            case "linger":
                _lingerSeconds = int.TryParse(arg, NumberStyles.Integer, CultureInfo.InvariantCulture, out var secs) ? secs : 600;
                Reply(arg.Length > 0 ? $"+OK will linger {secs} seconds" : "+OK will linger");
                return;
            case "nolinger":
                _lingerSeconds = -1;
                Reply("+OK will not linger");
                return;
            case "log":
                HandleLog(arg);
                return;
            case "nolog":
                Reply(LogLevel is null ? "-ERR not loging" : "+OK no longer logging");
                LogLevel = null;
                return;
            case "divert_events":
                Reply(Session is null ? "-ERR not controlling a session." : arg == "on" ? "+OK events diverted" : arg == "off" ? "+OK events not diverted" : "-ERR missing value.");
                return;
            case "connect" when IsOutbound:
                HandleConnect();
                return;
            case "resume" when IsOutbound:
                lock (_server.Gate)
                {
                    Session!.SetVariableLocked("socket_resume", "true");
                }

                Reply("+OK");
                return;
            case "getvar" when IsOutbound:
                string? v;
                lock (_server.Gate)
                {
                    v = Session!.GetVariableLocked(arg);
                }

                Reply(v ?? string.Empty);
                return;
            default:
                Reply("-ERR command not found");
                return;
        }
    }

    private void HandleAuth(string cmd, string arg)
    {
        if (cmd == "auth")
        {
            if (arg == _server.Options.Password)
            {
                _authenticated = true;
                Reply("+OK accepted");
            }
            else
            {
                Reply("-ERR invalid");
                Disconnect();
            }

            return;
        }

        if (cmd == "userauth")
        {
            var at = arg.IndexOf('@', StringComparison.Ordinal);
            var colon = arg.LastIndexOf(':');
            if (at > 0 && colon > at)
            {
                var user = arg[..at];
                var domain = arg[(at + 1)..colon];
                var pass = arg[(colon + 1)..];
                var u = _server.FindUser(user, domain);
                if (u?.EslPassword is not null && u.EslPassword == pass)
                {
                    _authenticated = true;
                    RestrictedApi = u.AllowedApi is not null;
                    Reply("+OK accepted", [new("Allowed-Events", "all"), new("Allowed-API", u.AllowedApi ?? "all"), new("Allowed-LOG", "true")]);
                    return;
                }
            }

            Reply("-ERR invalid");
            Disconnect();
            return;
        }

        Reply("-ERR command not found");
    }

    private void HandleEvent(string arg)
    {
        var tokens = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var format = "plain";
        if (tokens.Count > 0 && tokens[0] is "plain" or "json" or "xml")
        {
            format = tokens[0];
            tokens.RemoveAt(0);
        }

        if (tokens.Count == 0)
        {
            Reply("-ERR no keywords supplied");
            return;
        }

        lock (_server.Gate)
        {
            Subscription.Format = format;
            Subscription.Add(tokens);
        }

        Reply("+OK event listener enabled " + format);
    }

    private void HandleMyEvents(string arg)
    {
        var tokens = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        string? uuid = Session?.Uuid;
        if (Session is null)
        {
            if (tokens.Count == 0)
            {
                Reply("-ERR invalid uuid");
                return;
            }

            uuid = tokens[0];
            tokens.RemoveAt(0);
            if (_server.GetChannel(uuid) is null)
            {
                Reply("-ERR invalid uuid");
                return;
            }
        }

        lock (_server.Gate)
        {
            if (Subscription.SessionUuid is not null)
            {
                Reply("-ERR aready enabled.");
                return;
            }

            if (tokens.Count > 0 && tokens[0] is "plain" or "json" or "xml")
            {
                Subscription.Format = tokens[0];
            }

            Subscription.AddMyEvents(uuid!);
        }

        Reply("+OK Events Enabled");
        if (IsOutbound)
        {
            _server.OnMyEvents(this);
        }
    }

    private void HandleFilter(string arg)
    {
        var parts = arg.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        string reply;
        lock (_server.Gate)
        {
            if (parts.Length >= 1 && parts[0] == "delete")
            {
                var rest = parts.Length > 1 ? parts[1].Split(' ', 2, StringSplitOptions.RemoveEmptyEntries) : [];
                reply = rest.Length == 0 ? "-ERR invalid syntax" : Subscription.DeleteFilter(rest[0], rest.Length > 1 ? rest[1] : null);
            }
            else if (parts.Length == 2)
            {
                reply = Subscription.AddFilter(parts[0], parts[1]);
            }
            else
            {
                reply = "-ERR invalid syntax";
            }
        }

        Reply(reply);
    }

    private void HandleApi(string arg)
    {
        if (RestrictedApi)
        {
            Reply("-ERR permission denied");
            return;
        }

        var result = _server.ExecuteApi(arg, out var deferred);
        if (!FakeFreeSwitch.IsPendingOriginateReply(result))
        {
            Enqueue(Wire.ApiResponse(result));
        }

        if (deferred is not null)
        {
            lock (_server.Gate)
            {
                deferred();
                _server.TryHoldOriginateReply(result, reply => Enqueue(Wire.ApiResponse(reply)));
                _server.NotifyChannelWaiters();
            }
        }
    }

    private void HandleBgapi(string arg, List<KeyValuePair<string, string>> headers)
    {
        var jobUuid = headers.FirstOrDefault(h => string.Equals(h.Key, "job-uuid", StringComparison.OrdinalIgnoreCase)).Value;
        if (string.IsNullOrEmpty(jobUuid))
        {
            jobUuid = Guid.NewGuid().ToString();
        }

        Reply("+OK Job-UUID: " + jobUuid, [new("Job-UUID", jobUuid)]);
        _server.RunBackgroundJob(jobUuid, arg, Session?.Uuid);
    }

    private void HandleSendMsg(string arg, List<KeyValuePair<string, string>> headers, string body)
    {
        var uuid = arg.Length > 0 ? arg : Session?.Uuid ?? headers.FirstOrDefault(h => string.Equals(h.Key, "unique-id", StringComparison.OrdinalIgnoreCase)).Value;
        if (uuid is null || _server.GetLiveChannel(uuid) is null)
        {
            Reply($"-ERR invalid session id [{uuid}]");
            return;
        }

        Reply("+OK");
        _server.SendMsg(uuid, headers, body);
    }

    private void HandleSendEvent(string arg, List<KeyValuePair<string, string>> headers, string body)
    {
        // mod_event_socket queues the event to the session before it replies, and the eavesdrop loop picks it up
        // within a frame. The fake applies a mode switch before the reply (so it is in effect once +OK is seen);
        // an end ('*') is applied after it, because the events it causes come from the session, after the reply.
        var eventUuid = Guid.NewGuid().ToString();
        string? command = headers.FirstOrDefault(h => string.Equals(h.Key, "eavesdrop-command", StringComparison.OrdinalIgnoreCase)).Value;
        bool endsEavesdrop = command?.Trim() == "*";
        if (!endsEavesdrop)
        {
            _server.SendEvent(arg.Length == 0 ? "CUSTOM" : arg, headers, body.Length > 0 ? body : null, eventUuid);
        }

        Reply("+OK " + eventUuid);
        if (endsEavesdrop)
        {
            _server.SendEvent(arg.Length == 0 ? "CUSTOM" : arg, headers, body.Length > 0 ? body : null, eventUuid);
        }
    }

    private void HandleLog(string arg)
    {
        var (name, num) = arg.ToLowerInvariant() switch
        {
            "console" => ("console", 0),
            "alert" => ("alert", 1),
            "crit" => ("crit", 2),
            "err" => ("err", 3),
            "warning" => ("warning", 4),
            "notice" => ("notice", 5),
            "info" => ("info", 6),
            "debug" or "" => ("debug", 7),
            _ => (arg, int.TryParse(arg, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 7),
        };
        LogLevel = name;
        Reply($"+OK log level {name} [{num}]");
    }

    private void HandleConnect()
    {
        EventData data;
        lock (_server.Gate)
        {
            data = _server.CreateChannelEvent("CHANNEL_DATA", Session!, "mod_event_socket.c", "parse_command", 2023);
        }

        var sb = new StringBuilder();
        foreach (var (k, v) in data.Headers)
        {
            sb.Append(k).Append(": ").Append(v.Length == 0 ? "_undef_" : Wire.UrlEncode(v)).Append('\n');
        }

        sb.Append("Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n");
        Enqueue(Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
