using System.Globalization;
using System.Text;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

public sealed partial class FakeFreeSwitch
{
    private const string NoSuchChannel = "-ERR No such channel!\n";

    /// <summary>Runs an <c>api</c> command line and returns its output; side effects (hang-ups) go to <paramref name="deferred"/>, to run after the reply is queued.</summary>
    internal string ExecuteApi(string line, out Action? deferred)
    {
        deferred = null;
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return "-ERR no reply\n";
        }

        var cmd = parts[0];
        lock (Gate)
        {
            switch (cmd)
            {
                case "status":
                    var live = _channels.Values.Count(c => !c.IsHungUp);
                    return "UP 0 years, 0 days, 0 hours, 0 minutes, 1 second, 0 milliseconds, 0 microseconds\n"
                        + "FreeSWITCH (Version 1.10.12-release git a88d069 2024-08-02 21:02:27Z 64bit) is ready\n"
                        + $"{_sessionId} session(s) since startup\n{live} session(s) - peak {live}, last 5min {live} \n"
                        + "0 session(s) per Sec out of max 2000, peak 0, last 5min 0 \n20000 session(s) max\nmin idle cpu 0.00/100.00\n"
                        + "Current Stack Size/Max 240K/8192K\n";
                case "version":
                    return "FreeSWITCH Version 1.10.12-release (fake)\n";
                case "echo":
                    return line.Length > 5 ? line[5..] : string.Empty;
                case "show" when parts.Length >= 2 && parts[1] == "channels":
                    return ShowChannels(parts.Contains("json"));
                case "show" when parts.Length >= 2 && parts[1] == "calls":
                    return ShowCalls(parts.Contains("json"));
                case "uuid_dump":
                {
                    var c = Live(parts.ElementAtOrDefault(1));
                    if (c is null)
                    {
                        return NoSuchChannel;
                    }

                    var ev = CreateChannelEvent("CHANNEL_DATA", c, "mod_commands.c", "uuid_dump_function", 6468);
                    var bytes = parts.ElementAtOrDefault(2) == "json" ? ev.SerializeJson() : ev.SerializePlain();
                    return Encoding.UTF8.GetString(bytes);
                }

                case "uuid_getvar":
                {
                    var c = Live(parts.ElementAtOrDefault(1));
                    if (c is null)
                    {
                        return NoSuchChannel;
                    }

                    var v = parts.Length > 2 ? c.GetVariableLocked(parts[2]) : null;
                    return string.IsNullOrEmpty(v) ? "_undef_" : v;
                }

                case "uuid_setvar":
                {
                    var c = Live(parts.ElementAtOrDefault(1));
                    if (c is null)
                    {
                        return NoSuchChannel;
                    }

                    if (parts.Length < 3)
                    {
                        return "-USAGE: <uuid> <var> [value]\n";
                    }

                    var prefix = parts[0].Length + parts[1].Length + parts[2].Length + 3;
                    var value = line.Length > prefix ? line[prefix..] : null;
                    c.SetVariableLocked(parts[2], string.IsNullOrEmpty(value) ? null : value);
                    return "+OK\n";
                }

                case "uuid_kill":
                {
                    var c = Live(parts.ElementAtOrDefault(1));
                    if (c is null)
                    {
                        return NoSuchChannel;
                    }

                    var cause = parts.ElementAtOrDefault(2) ?? "NORMAL_CLEARING";
                    deferred = () => HangupLocked(c, cause, null);
                    return "+OK\n";
                }

                case "uuid_exists":
                    return Live(parts.ElementAtOrDefault(1)) is null ? "false" : "true";
                case "originate":
                    return OriginateLocked(parts, out deferred);
                case "uuid_bridge":
                    return UuidBridgeLocked(parts, out deferred);
                case "uuid_transfer":
                    return UuidTransferLocked(parts, out deferred);
                case "hupall":
                {
                    var cause = parts.ElementAtOrDefault(1) ?? "MANAGER_REQUEST";
                    var all = _channels.Values.Where(c => !c.IsHungUp).ToList();
                    deferred = () =>
                    {
                        foreach (var c in all)
                        {
                            HangupLocked(c, cause, null);
                        }
                    };
                    return $"+OK hangup all channels with cause {cause}\n";
                }

                default:
                    return $"-ERR {cmd} Command not found!\n";
            }
        }
    }

    internal string ExecuteApi(string line)
    {
        var r = ExecuteApi(line, out var d);
        if (d is not null)
        {
            lock (Gate)
            {
                d();
                NotifyChannelWaiters();
            }
        }

        return r;
    }

    private FakeChannel? Live(string? uuid) =>
        uuid is not null && _channels.TryGetValue(uuid, out var c) && !c.IsHungUp ? c : null;

    private static string Created(FakeChannel c) =>
        DateTimeOffset.FromUnixTimeMilliseconds(c.CreatedMicros / 1000).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private List<(string, string)> ChannelRow(FakeChannel c)
    {
        var codec = c.HasCodec;
        return
        [
            ("uuid", c.Uuid), ("direction", c.Direction), ("created", Created(c)), ("created_epoch", Num(c.CreatedMicros / 1_000_000)),
            ("name", c.Name), ("state", c.State), ("cid_name", c.CallerIdName), ("cid_num", c.CallerIdNumber), ("ip_addr", c.NetworkAddr),
            ("dest", c.DestinationNumber), ("application", c.CurrentApplication), ("application_data", c.CurrentApplicationData),
            ("dialplan", "XML"), ("context", c.Context),
            ("read_codec", codec ? c.ReadCodec : string.Empty), ("read_rate", codec ? "8000" : string.Empty), ("read_bit_rate", codec ? (c.ReadCodec == "L16" ? "128000" : "64000") : string.Empty),
            ("write_codec", codec ? "PCMU" : string.Empty), ("write_rate", codec ? "8000" : string.Empty), ("write_bit_rate", codec ? "64000" : string.Empty),
            ("secure", string.Empty), ("hostname", Options.Hostname), ("presence_id", c.PresenceId ?? string.Empty), ("presence_data", string.Empty),
            ("accountcode", string.Empty), ("callstate", c.CallState), ("callee_name", c.CalleeIdName ?? string.Empty), ("callee_num", c.CalleeIdNumber ?? string.Empty),
            ("callee_direction", c.CalleeIdName is null ? string.Empty : "SEND"), ("call_uuid", c.CallUuid),
            ("sent_callee_name", c.Direction == "outbound" ? c.CallerIdName : c.CalleeIdName ?? string.Empty),
            ("sent_callee_num", c.Direction == "outbound" ? c.CallerIdNumber : c.CalleeIdNumber ?? string.Empty),
            ("initial_cid_name", c.CallerIdName), ("initial_cid_num", c.CallerIdNumber), ("initial_ip_addr", c.NetworkAddr),
            ("initial_dest", c.DestinationNumber), ("initial_dialplan", "XML"), ("initial_context", c.Context),
        ];
    }

    private IEnumerable<FakeChannel> LiveChannels() =>
        _channels.Values.Where(c => c.State != "CS_DESTROY").OrderBy(c => c.CreatedMicros);

    private string ShowChannels(bool json)
    {
        var rows = LiveChannels().Select(ChannelRow).ToList();
        return json ? Json(rows) : Csv(rows, "uuid,direction,created,created_epoch,name,state,cid_name,cid_num,ip_addr,dest,application,application_data,dialplan,context,read_codec,read_rate,read_bit_rate,write_codec,write_rate,write_bit_rate,secure,hostname,presence_id,presence_data,accountcode,callstate,callee_name,callee_num,callee_direction,call_uuid,sent_callee_name,sent_callee_num,initial_cid_name,initial_cid_num,initial_ip_addr,initial_dest,initial_dialplan,initial_context");
    }

    private string ShowCalls(bool json)
    {
        string[] keep = ["uuid", "direction", "created", "created_epoch", "name", "state", "cid_name", "cid_num", "ip_addr", "dest", "presence_id", "presence_data", "accountcode", "callstate", "callee_name", "callee_num", "callee_direction", "call_uuid", "hostname", "sent_callee_name", "sent_callee_num"];
        string[] bKeep = ["uuid", "direction", "created", "created_epoch", "name", "state", "cid_name", "cid_num", "ip_addr", "dest", "presence_id", "presence_data", "accountcode", "callstate", "callee_name", "callee_num", "callee_direction", "sent_callee_name", "sent_callee_num"];
        var rows = new List<List<(string, string)>>();
        foreach (var c in LiveChannels())
        {
            var partner = c.BridgedTo is not null ? _channels.GetValueOrDefault(c.BridgedTo) : null;
            if (partner is not null && !c.IsALeg)
            {
                continue; // the B-leg appears as b_* of its A-leg
            }

            var full = ChannelRow(c).ToDictionary(p => p.Item1, p => p.Item2);
            var row = keep.Select(k => (k, k == "call_uuid" && partner is null ? string.Empty : full[k])).ToList();
            var bFull = partner is null ? null : ChannelRow(partner).ToDictionary(p => p.Item1, p => p.Item2);
            row.AddRange(bKeep.Select(k => ("b_" + k, bFull is null ? string.Empty : bFull[k])));
            row.Add(("call_created_epoch", partner is null ? string.Empty : Num(c.CreatedMicros / 1_000_000)));
            rows.Add(row);
        }

        return json ? Json(rows) : Csv(rows, string.Join(',', keep.Concat(bKeep.Select(k => "b_" + k)).Append("call_created_epoch")));
    }

    private static string Json(List<List<(string Key, string Value)>> rows)
    {
        if (rows.Count == 0)
        {
            return "{\"row_count\":0}";
        }

        var sb = new StringBuilder();
        sb.Append("{\"row_count\":").Append(rows.Count).Append(",\"rows\":[");
        sb.AppendJoin(',', rows.Select(r => "{" + string.Join(',', r.Select(p => Wire.JsonString(p.Key) + ":" + Wire.JsonString(p.Value))) + "}"));
        return sb.Append("]}").ToString();
    }

    private static string Csv(List<List<(string Key, string Value)>> rows, string header)
    {
        var sb = new StringBuilder();
        sb.Append(header).Append('\n');
        foreach (var r in rows)
        {
            sb.AppendJoin(',', r.Select(p => p.Value)).Append('\n');
        }

        return sb.Append('\n').Append(rows.Count).Append(" total.\n").ToString();
    }
}
