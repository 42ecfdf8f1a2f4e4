using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <summary>
/// A wire-accurate fake FreeSWITCH: an Event Socket server on 127.0.0.1 (OS-assigned port) with a scripted call model,
/// applications run by <c>sendmsg</c>, the eavesdrop audio model and the <c>api</c> commands a supervision controller uses.
/// </summary>
public sealed partial class FakeFreeSwitch : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _cts = new();
    private readonly List<FakeConnection> _connections = [];
    private readonly List<FakeUser> _users = [];
    private readonly Dictionary<string, FakeChannel> _channels = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(Func<FakeChannel, bool> Match, TaskCompletionSource<FakeChannel> Tcs)> _channelWaiters = [];
    private readonly List<(int Count, TaskCompletionSource<FakeConnection> Tcs)> _connectionWaiters = [];
    private readonly List<EventData> _fired = [];
    private long _sequence;
    private int _sessionId;
    private int _connectionIds;
    private long _lastMicros;
    private ITimer? _heartbeat;
    private readonly long _startedAt;

    private FakeFreeSwitch(FakeFreeSwitchOptions options)
    {
        Options = options;
        CoreUuid = options.CoreUuid ?? Guid.NewGuid().ToString();
        _listener = new TcpListener(IPAddress.Loopback, options.Port);
        _startedAt = options.TimeProvider.GetTimestamp();
    }

    /// <summary>The settings this fake runs with.</summary>
    public FakeFreeSwitchOptions Options { get; }

    /// <summary>The <c>Core-UUID</c> stamped on every event.</summary>
    public string CoreUuid { get; }

    /// <summary>The port the inbound ESL listener is bound to on 127.0.0.1.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The listener's end point (127.0.0.1 and <see cref="Port"/>).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    internal object Gate { get; } = new();

    /// <summary>All connections accepted or opened so far (including closed ones).</summary>
    public IReadOnlyList<FakeConnection> Connections
    {
        get { lock (Gate) { return [.. _connections]; } }
    }

    /// <summary>All channels that exist (not yet destroyed).</summary>
    public IReadOnlyList<FakeChannel> Channels
    {
        get { lock (Gate) { return [.. _channels.Values]; } }
    }

    /// <summary>Starts the fake on 127.0.0.1, on <see cref="FakeFreeSwitchOptions.Port"/> (OS-assigned when 0).</summary>
    /// <param name="options">The settings; <see cref="FakeFreeSwitchOptions.Password"/> must be set.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running fake.</returns>
    public static Task<FakeFreeSwitch> StartAsync(FakeFreeSwitchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Password);
        cancellationToken.ThrowIfCancellationRequested();
        var fs = new FakeFreeSwitch(options);
        fs._listener.Start();
        _ = Task.Run(fs.AcceptLoopAsync, CancellationToken.None);
        if (options.HeartbeatInterval is { } interval && interval > TimeSpan.Zero)
        {
            fs._heartbeat = options.TimeProvider.CreateTimer(static state => ((FakeFreeSwitch)state!).FireHeartbeat(), fs, interval, interval);
        }

        return Task.FromResult(fs);
    }

    /// <summary>Adds a user to the directory.</summary>
    /// <param name="user">The user.</param>
    public void AddUser(FakeUser user)
    {
        lock (Gate)
        {
            _users.Add(user);
        }
    }

    /// <summary>Looks up a channel by uuid (also hung-up ones until destroyed).</summary>
    /// <param name="uuid">The channel's Unique-ID.</param>
    /// <returns>The channel or null.</returns>
    public FakeChannel? GetChannel(string uuid)
    {
        lock (Gate)
        {
            return _channels.GetValueOrDefault(uuid);
        }
    }

    /// <summary>Waits until the N-th connection (1-based) has been accepted or opened.</summary>
    /// <param name="count">Which connection to wait for (1 = the first).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>That connection.</returns>
    public Task<FakeConnection> WaitForConnectionAsync(int count = 1, CancellationToken cancellationToken = default)
    {
        lock (Gate)
        {
            if (_connections.Count >= count)
            {
                return Task.FromResult(_connections[count - 1]);
            }

            var tcs = new TaskCompletionSource<FakeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            cancellationToken.Register(() => tcs.TrySetCanceled(cancellationToken));
            _connectionWaiters.Add((count, tcs));
            return tcs.Task;
        }
    }

    /// <summary>Waits until some channel satisfies the predicate (checked now and after every change of the model).</summary>
    /// <param name="match">The condition, e.g. <c>c =&gt; c.Uuid == id &amp;&amp; c.IsHungUp</c>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first matching channel.</returns>
    public Task<FakeChannel> WaitForChannelAsync(Func<FakeChannel, bool> match, CancellationToken cancellationToken = default)
    {
        lock (Gate)
        {
            foreach (var c in _channels.Values)
            {
                if (match(c))
                {
                    return Task.FromResult(c);
                }
            }

            var tcs = new TaskCompletionSource<FakeChannel>(TaskCreationOptions.RunContinuationsAsynchronously);
            cancellationToken.Register(() => tcs.TrySetCanceled(cancellationToken));
            _channelWaiters.Add((match, tcs));
            return tcs.Task;
        }
    }

    /// <summary>Fires a raw event: the given headers (in order, raw values) after <c>Event-Name</c> and the standard prefix.</summary>
    /// <param name="headers">Headers; must contain <c>Event-Name</c>.</param>
    /// <param name="body">Optional body.</param>
    public void PublishEvent(IEnumerable<KeyValuePair<string, string>> headers, string? body = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var list = headers.ToList();
        var name = list.FirstOrDefault(h => h.Key == "Event-Name").Value ?? "CUSTOM";
        lock (Gate)
        {
            var ev = NewEvent(name, "fake.c", "publish", 1, list.Where(h => h.Key != "Event-Name"));
            Fire(new EventData(ev, body));
        }
    }

    /// <summary>Stops the listener, closes every connection and timer.</summary>
    /// <returns>A task that completes when everything is shut down.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopTrunksAsync().ConfigureAwait(false);
        _cts.Cancel();
        _heartbeat?.Dispose();
        _listener.Stop();
        List<FakeConnection> conns;
        lock (Gate)
        {
            conns = [.. _connections];
            foreach (var c in _channels.Values)
            {
                c.ParkTimer?.Dispose();
                c.PeerBridge?.Timer?.Dispose();
            }
        }

        foreach (var c in conns)
        {
            c.Shutdown();
        }

        await Task.WhenAll(conns.Select(c => c.Closed)).ConfigureAwait(false);
        _cts.Dispose();
    }

    internal FakeUser? FindUser(string ext, string domain)
    {
        lock (Gate)
        {
            return _users.FirstOrDefault(u => u.Extension == ext && string.Equals(u.Domain, domain, StringComparison.OrdinalIgnoreCase));
        }
    }

    internal FakeChannel? GetLiveChannel(string uuid)
    {
        lock (Gate)
        {
            return _channels.TryGetValue(uuid, out var c) && !c.IsHungUp ? c : null;
        }
    }

    internal EventData CreateHeartbeat()
    {
        lock (Gate)
        {
            // The headers of the real switch's heartbeat (capture heartbeat-and-shutdown), with this fake's uptime.
            long uptimeMs = (long)Options.TimeProvider.GetElapsedTime(_startedAt).TotalMilliseconds;
            int sessions = _channels.Values.Count(c => !c.IsHungUp);
            return new EventData(NewEvent("HEARTBEAT", "switch_core.c", "send_heartbeat", 95,
            [
                new("Event-Info", "System Ready"),
                new("Up-Time", "0 years, 0 days"),
                new("FreeSWITCH-Version", "1.10.12-release"),
                new("Uptime-msec", uptimeMs.ToString(CultureInfo.InvariantCulture)),
                new("Session-Count", sessions.ToString(CultureInfo.InvariantCulture)),
                new("Max-Sessions", "20000"),
                new("Idle-CPU", "95.966667"),
            ]), null);
        }
    }

    /// <summary>Fires one HEARTBEAT now, as the switch's heartbeat timer does; only subscribed connections get it.</summary>
    public void FireHeartbeat()
    {
        lock (Gate)
        {
            Fire(CreateHeartbeat());
        }
    }

    internal long NowMicros()
    {
        var us = Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _lastMicros = Math.Max(us, _lastMicros + 1);
        return _lastMicros;
    }

    /// <summary>Builds Event-Name + the standard prefix (Core-UUID ... Event-Sequence) + extra headers. Caller holds the gate.</summary>
    internal List<KeyValuePair<string, string>> NewEvent(string name, string file, string function, int line, IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        var now = Options.TimeProvider.GetUtcNow();
        var h = new List<KeyValuePair<string, string>>(64) { new("Event-Name", name) };
        if (extra is not null)
        {
            foreach (var p in extra.Where(p => p.Key == "Event-Subclass"))
            {
                h.Add(p);
            }
        }

        h.Add(new("Core-UUID", CoreUuid));
        h.Add(new("FreeSWITCH-Hostname", Options.Hostname));
        h.Add(new("FreeSWITCH-Switchname", Options.Hostname));
        h.Add(new("FreeSWITCH-IPv4", "127.0.0.1"));
        h.Add(new("FreeSWITCH-IPv6", "::1"));
        h.Add(new("Event-Date-Local", now.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)));
        h.Add(new("Event-Date-GMT", now.ToString("ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture)));
        h.Add(new("Event-Date-Timestamp", NowMicros().ToString(CultureInfo.InvariantCulture)));
        h.Add(new("Event-Calling-File", file));
        h.Add(new("Event-Calling-Function", function));
        h.Add(new("Event-Calling-Line-Number", line.ToString(CultureInfo.InvariantCulture)));
        h.Add(new("Event-Sequence", (++_sequence).ToString(CultureInfo.InvariantCulture)));
        if (extra is not null)
        {
            h.AddRange(extra.Where(p => p.Key != "Event-Subclass"));
        }

        return h;
    }

    /// <summary>Delivers an event to every connection that wants it, in fire order. Caller holds the gate.</summary>
    internal void Fire(EventData ev)
    {
        _fired.Add(ev);
        foreach (var c in _connections)
        {
            c.Offer(ev);
        }
    }

    internal void NotifyChannelWaiters()
    {
        for (var i = _channelWaiters.Count - 1; i >= 0; i--)
        {
            var (match, tcs) = _channelWaiters[i];
            foreach (var c in _channels.Values)
            {
                if (match(c))
                {
                    tcs.TrySetResult(c);
                    _channelWaiters.RemoveAt(i);
                    break;
                }
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_cts.Token).ConfigureAwait(false);
                client.NoDelay = true;
                AddConnection(client, null);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private FakeConnection AddConnection(TcpClient client, FakeChannel? session)
    {
        FakeConnection conn;
        lock (Gate)
        {
            conn = new FakeConnection(this, client, ++_connectionIds, session);
            _connections.Add(conn);
            for (var i = _connectionWaiters.Count - 1; i >= 0; i--)
            {
                if (_connections.Count >= _connectionWaiters[i].Count)
                {
                    _connectionWaiters[i].Tcs.TrySetResult(_connections[_connectionWaiters[i].Count - 1]);
                    _connectionWaiters.RemoveAt(i);
                }
            }
        }

        conn.Start();
        return conn;
    }
}
