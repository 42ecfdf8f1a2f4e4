using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EslSupervision.Benchmarks;

/// <summary>
/// A minimal FreeSWITCH stand-in on 127.0.0.1 for ingest benchmarks: accepts one connection, does the inbound
/// auth exchange and acknowledges the <c>event</c> command, then, each time <see cref="SendBurst"/> is called,
/// writes a pre-built block of real event frames <c>repeats</c> times as fast as the socket takes them.
/// Nothing is generated while the clock runs.
/// </summary>
internal sealed class LoopbackEslServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly byte[] _block;
    private readonly int _repeats;
    private readonly string _password;
    private readonly SemaphoreSlim _bursts = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _serving;

    public LoopbackEslServer(byte[] block, int repeats, string password)
    {
        _block = block;
        _repeats = repeats;
        _password = password;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>Completes once the client has authenticated and subscribed.</summary>
    public Task Subscribed => _subscribed.Task;

    /// <summary>Starts writing one burst (the block, <c>repeats</c> times).</summary>
    public void SendBurst() => _bursts.Release();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
        _bursts.Dispose();
    }

    private async Task ServeAsync()
    {
        CancellationToken ct = _stop.Token;
        using Socket socket = await _listener.AcceptAsync(ct).ConfigureAwait(false);
        socket.NoDelay = true;
        try
        {
            var pending = new List<byte>();
            await SendTextAsync(socket, "Content-Type: auth/request\n\n", ct).ConfigureAwait(false);
            string auth = await ReadCommandAsync(socket, pending, ct).ConfigureAwait(false);
            if (auth != "auth " + _password)
            {
                await SendTextAsync(socket, "Content-Type: command/reply\nReply-Text: -ERR invalid\n\n", ct).ConfigureAwait(false);
                throw new InvalidOperationException("The benchmark client sent the wrong password.");
            }

            await SendTextAsync(socket, "Content-Type: command/reply\nReply-Text: +OK accepted\n\n", ct).ConfigureAwait(false);
            // The client subscribes to HEARTBEAT by itself while it connects (liveness): the stream starts with
            // the consumer's own subscription, as a switch would only then send the events it asked for.
            string command;
            do
            {
                command = await ReadCommandAsync(socket, pending, ct).ConfigureAwait(false);
                if (!command.StartsWith("event plain", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"Expected 'event plain ...', got '{command}'.");
                }

                await SendTextAsync(socket, "Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n", ct).ConfigureAwait(false);
            }
            while (command == "event plain HEARTBEAT");

            _subscribed.TrySetResult();

            while (true)
            {
                await _bursts.WaitAsync(ct).ConfigureAwait(false);
                for (int i = 0; i < _repeats; i++)
                {
                    await SendAllAsync(socket, _block, ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            _subscribed.TrySetException(ex);
            throw;
        }
    }

    private static Task SendTextAsync(Socket socket, string text, CancellationToken ct)
        => SendAllAsync(socket, Encoding.ASCII.GetBytes(text), ct);

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, ct).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>Reads up to the next blank line; returns the command without it.</summary>
    private static async Task<string> ReadCommandAsync(Socket socket, List<byte> pending, CancellationToken ct)
    {
        var chunk = new byte[1024];
        while (true)
        {
            for (int i = 1; i < pending.Count; i++)
            {
                if (pending[i] == (byte)'\n' && pending[i - 1] == (byte)'\n')
                {
                    string command = Encoding.ASCII.GetString([.. pending.GetRange(0, i - 1)]).Trim();
                    pending.RemoveRange(0, i + 1);
                    return command;
                }
            }

            int read = await socket.ReceiveAsync(chunk, SocketFlags.None, ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The client closed the connection during the handshake.");
            }

            pending.AddRange(chunk.AsSpan(0, read));
        }
    }
}
