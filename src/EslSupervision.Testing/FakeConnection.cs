using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <summary>
/// One ESL connection of the <see cref="FakeFreeSwitch"/>: an inbound client connection, or an outbound-socket session the
/// fake opened towards a controller. Gives tests the log of received commands, signals to await, raw writes and
/// adversarial switches (chunked writes, silence, slow reading, mid-frame disconnect, RST).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token source is cancelled in Shutdown; the switch owns the connection's lifetime.")]
public sealed class FakeConnection
{
    private readonly FakeFreeSwitch _server;
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly Channel<byte[]> _out = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _sync = new();
    private readonly List<string> _commands = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Tcs)> _waiters = [];
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _readGate = Open();
    private TaskCompletionSource _writeGate = Open();
    private Random? _random;
    private int _randomMax;
    private bool _cutNextFrame;
    private bool _authenticated;
    private bool _restricted;
    private int _lingerSeconds = -1;
    private bool _closing;

    internal FakeConnection(FakeFreeSwitch server, TcpClient client, int id, FakeChannel? session)
    {
        _server = server;
        _client = client;
        _stream = client.GetStream();
        Id = id;
        Session = session;
        IsOutbound = session is not null;
        _authenticated = IsOutbound;
        _restricted = server.Options.RestrictedApi;
        WriteChunkSize = server.Options.WriteChunkSize;
        if (server.Options.RandomChunkSeed is { } seed)
        {
            SetRandomChunking(seed, server.Options.RandomChunkMaxSize);
        }
    }

    /// <summary>A sequence number, 1 for the first connection of the fake.</summary>
    public int Id { get; }

    /// <summary>True for an outbound-socket session (the fake connected to the controller).</summary>
    public bool IsOutbound { get; }

    /// <summary>Completes when the connection has closed (either side).</summary>
    public Task Closed => _closed.Task;

    /// <summary>Split every write into chunks of this many bytes (1 = byte by byte); null writes whole frames.</summary>
    public int? WriteChunkSize { get; set; }

    /// <summary>When true, a HEARTBEAT event frame is written in front of every command reply (events racing replies).</summary>
    public bool InterleaveEventsBeforeReplies { get; set; }

    /// <summary>When true, <c>api</c> is denied with a command/reply <c>-ERR permission denied</c> (restricted userauth).</summary>
    public bool RestrictedApi
    {
        get { lock (_sync) { return _restricted; } }
        set { lock (_sync) { _restricted = value; } }
    }

    internal FakeChannel? Session { get; }

    internal Subscription Subscription { get; } = new();

    internal string? LogLevel { get; set; }

    /// <summary>Every command received on this connection, as raw text (header block, then the body if any).</summary>
    public IReadOnlyList<string> ReceivedCommands
    {
        get { lock (_sync) { return [.. _commands]; } }
    }

    /// <summary>Split writes into random chunk sizes between 1 and <paramref name="maxChunk"/>, reproducible by <paramref name="seed"/>.</summary>
    /// <param name="seed">The random seed.</param>
    /// <param name="maxChunk">The largest chunk.</param>
    public void SetRandomChunking(int seed, int maxChunk = 64)
    {
        lock (_sync)
        {
            _random = new Random(seed);
            _randomMax = Math.Max(1, maxChunk);
        }
    }

    /// <summary>Waits until a command whose raw text matches arrives (also checks commands already received).</summary>
    /// <param name="match">The predicate on the raw command text.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching command text.</returns>
    public Task<string> WaitForCommandAsync(Func<string, bool> match, CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            foreach (var c in _commands)
            {
                if (match(c))
                {
                    return Task.FromResult(c);
                }
            }

            var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, tcs));
            if (cancellationToken.CanBeCanceled)
            {
                cancellationToken.Register(() => tcs.TrySetCanceled(cancellationToken));
            }

            return tcs.Task;
        }
    }

    /// <summary>Writes raw bytes to the client, in order with the connection's other frames.</summary>
    /// <param name="bytes">The bytes to write.</param>
    /// <param name="cancellationToken">Cancels the enqueueing.</param>
    /// <returns>A task that completes when the bytes are queued.</returns>
    public Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Enqueue(bytes.ToArray());
        return Task.CompletedTask;
    }

    /// <summary>Half-open: stop reading and writing but keep the socket open.</summary>
    public void GoSilent()
    {
        StopReading();
        lock (_sync)
        {
            if (_writeGate.Task.IsCompleted)
            {
                _writeGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Slow reader: stop reading the client's commands (replies stop, TCP buffers fill).</summary>
    public void StopReading()
    {
        lock (_sync)
        {
            if (_readGate.Task.IsCompleted)
            {
                _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Undo <see cref="GoSilent"/> / <see cref="StopReading"/>.</summary>
    public void Resume()
    {
        lock (_sync)
        {
            _readGate.TrySetResult();
            _writeGate.TrySetResult();
        }
    }

    /// <summary>Write only the first half of the next frame, then close the socket.</summary>
    public void DisconnectInNextFrame()
    {
        lock (_sync)
        {
            _cutNextFrame = true;
        }
    }

    /// <summary>Abort the connection with a TCP RST (linger 0).</summary>
    public void Abort()
    {
        try
        {
            _client.Client.LingerState = new LingerOption(true, 0);
        }
        catch (ObjectDisposedException)
        {
        }

        Shutdown();
    }

    /// <summary>Send a disconnect notice (as FreeSWITCH does on exit) and close the connection gracefully.</summary>
    public void Disconnect()
    {
        Enqueue(Session is null ? Wire.InboundDisconnect() : Wire.SessionDisconnect(Session.Uuid));
        CloseAfterWrites();
    }

    internal void Start()
    {
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WriteLoopAsync);
        if (!IsOutbound)
        {
            Enqueue(Encoding.ASCII.GetBytes("Content-Type: auth/request\n\n"));
        }
    }

    internal void Enqueue(byte[] frame) => _out.Writer.TryWrite(frame);

    internal void CloseAfterWrites()
    {
        lock (_sync)
        {
            _closing = true;
        }

        _out.Writer.TryComplete();
    }

    internal void Shutdown()
    {
        _out.Writer.TryComplete();
        _cts.Cancel();
        try
        {
            _client.Close();
        }
        catch (SocketException)
        {
        }

        _closed.TrySetResult();
    }

    /// <summary>Called under the switch's gate when an event fires.</summary>
    internal void Offer(EventData ev)
    {
        if (!_authenticated || !Subscription.Wants(ev))
        {
            return;
        }

        Enqueue(Serialize(ev, Subscription.Format));
    }

    internal static byte[] Serialize(EventData ev, string format) => format switch
    {
        "json" => Wire.EventEnvelope("text/event-json", ev.SerializeJson()),
        "xml" => Wire.EventEnvelope("text/event-xml", ev.SerializeXml()),
        _ => Wire.EventEnvelope("text/event-plain", ev.SerializePlain()),
    };

    internal void OnSessionHangupComplete()
    {
        if (_lingerSeconds >= 0)
        {
            Enqueue(Wire.LingerNotice(Session!.Uuid, Session.Name, _lingerSeconds));
            var t = _server.Options.TimeProvider.CreateTimer(_ => Disconnect(), null, TimeSpan.FromSeconds(_lingerSeconds), Timeout.InfiniteTimeSpan);
            _cts.Token.Register(() => t.Dispose());
        }
        else
        {
            Disconnect();
        }
    }

    private static TaskCompletionSource Open()
    {
        var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.SetResult();
        return t;
    }

    private void Reply(string text, IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        if (InterleaveEventsBeforeReplies)
        {
            Enqueue(Serialize(_server.CreateHeartbeat(), Subscription.Format));
        }

        Enqueue(Wire.CommandReply(text, extra));
    }

    private async Task ReadLoopAsync()
    {
        var reader = new FrameReader(_stream)
        {
            BeforeRead = async ct =>
            {
                Task gate;
                lock (_sync)
                {
                    gate = _readGate.Task;
                }

                await gate.WaitAsync(ct).ConfigureAwait(false);
            },
        };
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                var frame = await reader.ReadAsync(_cts.Token).ConfigureAwait(false);
                if (frame is null)
                {
                    break;
                }

                var (head, body, _) = frame.Value;
                var raw = body.Length > 0 ? head + "\n\n" + Encoding.UTF8.GetString(body) : head;
                Handle(head, body);
                Record(raw);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        lock (_sync)
        {
            if (_closing)
            {
                return;
            }
        }

        Shutdown();
    }

    private void Record(string raw)
    {
        List<TaskCompletionSource<string>> hit = [];
        lock (_sync)
        {
            _commands.Add(raw);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(raw))
                {
                    hit.Add(_waiters[i].Tcs);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var t in hit)
        {
            t.TrySetResult(raw);
        }

    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var frame in _out.Reader.ReadAllAsync(_cts.Token).ConfigureAwait(false))
            {
                Task gate;
                bool cut;
                lock (_sync)
                {
                    gate = _writeGate.Task;
                    cut = _cutNextFrame;
                    _cutNextFrame = false;
                }

                await gate.WaitAsync(_cts.Token).ConfigureAwait(false);
                if (cut)
                {
                    await _stream.WriteAsync(frame.AsMemory(0, frame.Length / 2), _cts.Token).ConfigureAwait(false);
                    await _stream.FlushAsync(_cts.Token).ConfigureAwait(false);
                    break;
                }

                var offset = 0;
                while (offset < frame.Length)
                {
                    int size;
                    lock (_sync)
                    {
                        size = _random is not null ? _random.Next(1, _randomMax + 1) : WriteChunkSize ?? frame.Length;
                    }

                    size = Math.Min(Math.Max(1, size), frame.Length - offset);
                    await _stream.WriteAsync(frame.AsMemory(offset, size), _cts.Token).ConfigureAwait(false);
                    if (size < frame.Length)
                    {
                        await _stream.FlushAsync(_cts.Token).ConfigureAwait(false);
                    }

                    offset += size;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        Shutdown();
    }

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
