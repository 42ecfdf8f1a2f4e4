namespace EslSupervision.EventSocket.Client;

/// <summary>What a connection subscribed to and filtered on, so it can be restored after a reconnect.</summary>
internal sealed class SubscriptionState
{
    private readonly object _gate = new();
    private readonly HashSet<string> _events = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _custom = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _filters = [];

    public EslEventFormat Format { get; private set; } = EslEventFormat.Plain;

    /// <summary>Set by <c>myevents</c>: the switch then sends the session's channel events on its own.</summary>
    public bool MyEvents { get; set; }

    public int EventCount
    {
        get
        {
            lock (_gate)
            {
                return _events.Count + _custom.Count;
            }
        }
    }

    public int FilterCount
    {
        get
        {
            lock (_gate)
            {
                return _filters.Count;
            }
        }
    }

    public void Add(IEnumerable<string> names, IEnumerable<string> custom, EslEventFormat format)
    {
        lock (_gate)
        {
            Format = format;
            _events.UnionWith(names);
            _custom.UnionWith(custom);
        }
    }

    public void Remove(IEnumerable<string> names, IEnumerable<string> custom)
    {
        lock (_gate)
        {
            _events.ExceptWith(names);
            _custom.ExceptWith(custom);
        }
    }

    /// <summary>The names from <paramref name="wanted"/> that are not covered yet.</summary>
    public string[] Missing(IReadOnlyList<string> wanted)
    {
        lock (_gate)
        {
            if (MyEvents || _events.Contains("ALL"))
            {
                return [];
            }

            return wanted.Where(name => !_events.Contains(name)).ToArray();
        }
    }

    public void AddFilter(string header, string value)
    {
        lock (_gate)
        {
            _filters.Add(new(header, value));
        }
    }

    public void RemoveFilter(string header, string? value)
    {
        lock (_gate)
        {
            _filters.RemoveAll(f => string.Equals(f.Key, header, StringComparison.OrdinalIgnoreCase)
                                    && (value is null || string.Equals(f.Value, value, StringComparison.Ordinal)));
        }
    }

    public (string[] Events, string[] Custom, EslEventFormat Format, KeyValuePair<string, string>[] Filters) Snapshot()
    {
        lock (_gate)
        {
            return ([.. _events], [.. _custom], Format, [.. _filters]);
        }
    }
}
