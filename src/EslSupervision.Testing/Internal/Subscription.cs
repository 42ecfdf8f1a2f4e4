using System.Text.RegularExpressions;

namespace EslSupervision.Testing.Internal;

/// <summary>Per-connection event subscription and filters (mod_event_socket event_handler semantics).</summary>
internal sealed class Subscription
{
    private static readonly string[] MyEventsSet =
    [
        "CHANNEL_CREATE", "CHANNEL_DESTROY", "CHANNEL_STATE", "CHANNEL_CALLSTATE", "CHANNEL_ANSWER", "CHANNEL_APPLICATION",
        "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE",
        "CHANNEL_OUTGOING", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_PARK", "CHANNEL_UNPARK", "DTMF",
        "DETECTED_SPEECH", "PLAYBACK_START", "PLAYBACK_STOP", "TALK", "NOTALK",
    ];

    private readonly HashSet<string> _events = new(StringComparer.Ordinal);
    private readonly HashSet<string> _subclasses = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _filters = [];
    private bool _all;

    public string Format { get; set; } = "plain";

    public string? SessionUuid { get; set; }

    public bool Any { get; private set; }

    public void Add(IEnumerable<string> tokens)
    {
        Any = true;
        var custom = false;
        foreach (var t in tokens)
        {
            if (custom)
            {
                _subclasses.Add(t);
                continue;
            }

            var name = t.ToUpperInvariant();
            if (name == "ALL")
            {
                _all = true;
            }
            else if (name == "CUSTOM")
            {
                custom = true;
                _events.Add("CUSTOM");
            }
            else
            {
                _events.Add(name);
            }
        }
    }

    public void AddMyEvents(string uuid)
    {
        SessionUuid = uuid;
        Any = true;
        foreach (var e in MyEventsSet)
        {
            _events.Add(e);
        }
    }

    public void Remove(IEnumerable<string> tokens)
    {
        var custom = false;
        foreach (var t in tokens)
        {
            if (custom)
            {
                _subclasses.Remove(t);
                continue;
            }

            var name = t.ToUpperInvariant();
            if (name == "CUSTOM")
            {
                custom = true;
                continue;
            }

            if (name == "ALL")
            {
                _all = false;
                _events.Clear();
                continue;
            }

            _events.Remove(name);
        }
    }

    public void Clear()
    {
        _all = false;
        _events.Clear();
        _subclasses.Clear();
        SessionUuid = null;
        Any = false;
    }

    public string AddFilter(string header, string value)
    {
        _filters.Add(new(header, value));
        return $"+OK filter added. [{header}]=[{value}]";
    }

    public string DeleteFilter(string header, string? value)
    {
        if (header == "all")
        {
            _filters.Clear();
            return "+OK filter deleted. [all][]";
        }

        _filters.RemoveAll(f => string.Equals(f.Key, header, StringComparison.OrdinalIgnoreCase) && (value is null || f.Value == value));
        return $"+OK filter deleted. [{header}][{value ?? string.Empty}]";
    }

    public bool Wants(EventData ev)
    {
        var name = ev.Name;
        bool subscribed;
        if (name == "CUSTOM")
        {
            var sub = ev.Get("Event-Subclass") ?? string.Empty;
            subscribed = _all || _subclasses.Contains(sub);
        }
        else
        {
            subscribed = _all || _events.Contains(name);
        }

        if (!subscribed)
        {
            return false;
        }

        if (SessionUuid is not null)
        {
            var uid = ev.Get("Unique-ID") ?? ev.Get("Job-Owner-UUID");
            if (uid != SessionUuid)
            {
                return false;
            }
        }

        if (_filters.Count == 0)
        {
            return true;
        }

        var send = false;
        foreach (var (h, value) in _filters)
        {
            var hval = ev.Get(h);
            if (hval is null)
            {
                continue;
            }

            var pos = true;
            var i = 0;
            while (i < value.Length && (value[i] == '+' || value[i] == '-' || value[i] == ' '))
            {
                if (value[i] == '+')
                {
                    pos = true;
                }
                else if (value[i] == '-')
                {
                    pos = false;
                }

                i++;
            }

            if (send && pos)
            {
                continue;
            }

            var comp = value[i..];
            bool cmp = value.StartsWith('/')
                ? Regex.IsMatch(hval, comp.Trim('/'), RegexOptions.None, TimeSpan.FromSeconds(1))
                : string.Equals(hval, comp, StringComparison.OrdinalIgnoreCase);
            if (cmp)
            {
                if (pos)
                {
                    send = true;
                }
                else
                {
                    send = false;
                    break;
                }
            }
        }

        return send;
    }
}
