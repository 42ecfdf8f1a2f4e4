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
public sealed partial class FakeConnection
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
}
