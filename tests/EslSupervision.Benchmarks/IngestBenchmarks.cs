using System.Net;
using System.Net.Sockets;
using System.Text;
using BenchmarkDotNet.Attributes;
using EslSupervision.EventSocket;

namespace EslSupervision.Benchmarks;

/// <summary>
/// End to end over loopback TCP: a <see cref="LoopbackEslServer"/> writes <see cref="Events"/> real event frames
/// per operation as fast as the socket takes them. <see cref="Client"/> is the public <see cref="EslInboundClient"/>
/// (back-pressure policy, so nothing is dropped) with one <c>Events</c> subscriber reading <c>EventName</c>;
/// <see cref="BareSocket"/> is a raw <see cref="Socket"/> walking the same bytes with the bare framing loop.
/// The connections stay open across operations: the figure is steady-state ingest, not connection set-up.
/// </summary>
[MemoryDiagnoser]
public class IngestBenchmarks
{
    /// <summary>Events per operation.</summary>
    public const int Events = BlockEvents * Repeats;

    private const int BlockEvents = 2_000;
    private const int Repeats = 10;
    private const string Password = "ClueCon";

    private LoopbackEslServer? _clientServer;
    private LoopbackEslServer? _bareServer;
    private EslInboundClient? _client;
    private IDisposable? _subscription;
    private Socket? _bare;
    private readonly byte[] _receiveBuffer = new byte[64 * 1024];
    private int _bareBuffered;

    private int _received;
    private TaskCompletionSource _allReceived = new();

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>The library: socket → pipe → frame reader → <c>EslEvent</c> → bounded buffer → Rx subscriber.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int Client()
    {
        _received = 0;
        _allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _clientServer!.SendBurst();
        _allReceived.Task.GetAwaiter().GetResult();
        return _received;
    }

    /// <summary>The floor: a raw socket receiving into one 64 KB buffer and skipping frames.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public int BareSocket()
    {
        _bareServer!.SendBurst();
        return ReceiveFramesAsync(_bare!, Events).GetAwaiter().GetResult();
    }

    private async Task SetupAsync()
    {
        byte[] block = Corpus.Concatenate(BlockEvents);

        _clientServer = new LoopbackEslServer(block, Repeats, Password);
        _client = new EslInboundClient(new EslClientOptions
        {
            Host = "127.0.0.1",
            Port = _clientServer.Port,
            Password = Password,
            OverflowPolicy = EslOverflowPolicy.Wait,
        });
        _subscription = _client.Events.Subscribe(e =>
        {
            if (e.EventName.Length > 0 && ++_received == Events)
            {
                _allReceived.TrySetResult();
            }
        });
        await _client.ConnectAsync().ConfigureAwait(false);
        await _client.SubscribeAsync(["ALL"]).ConfigureAwait(false);
        await _clientServer.Subscribed.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);

        _bareServer = new LoopbackEslServer(block, Repeats, Password);
        _bare = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await _bare.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _bareServer.Port)).ConfigureAwait(false);
        await _bare.SendAsync(Encoding.ASCII.GetBytes($"auth {Password}\n\nevent plain ALL\n\n"), SocketFlags.None).ConfigureAwait(false);
        await ReceiveFramesAsync(_bare, 3).ConfigureAwait(false); // auth/request and the two replies
        await _bareServer.Subscribed.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);

        // One checked round of each, so a miscount fails the run instead of skewing it.
        if (Client() != Events || BareSocket() != Events)
        {
            throw new InvalidOperationException("An ingest round did not see every event.");
        }

        if (_client.DroppedEvents != 0)
        {
            throw new InvalidOperationException($"The client dropped {_client.DroppedEvents} events.");
        }
    }

    private async Task CleanupAsync()
    {
        long dropped = _client?.DroppedEvents ?? 0;
        _subscription?.Dispose();
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        _bare?.Dispose();
        if (_clientServer is not null)
        {
            await _clientServer.DisposeAsync().ConfigureAwait(false);
        }

        if (_bareServer is not null)
        {
            await _bareServer.DisposeAsync().ConfigureAwait(false);
        }

        if (dropped != 0)
        {
            throw new InvalidOperationException($"The client dropped {dropped} events: the ingest figures are wrong.");
        }
    }

    /// <summary>Receives until <paramref name="count"/> whole frames have been skipped; a partial frame stays buffered.</summary>
    private async Task<int> ReceiveFramesAsync(Socket socket, int count)
    {
        int frames = 0;
        while (frames < count)
        {
            int read = await socket.ReceiveAsync(_receiveBuffer.AsMemory(_bareBuffered), SocketFlags.None).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The loopback server closed the connection.");
            }

            _bareBuffered += read;
            frames += BareFraming.SkipFrames(_receiveBuffer.AsSpan(0, _bareBuffered), out int consumed);
            _receiveBuffer.AsSpan(consumed, _bareBuffered - consumed).CopyTo(_receiveBuffer);
            _bareBuffered -= consumed;
        }

        return frames;
    }
}
