using Xunit;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace EslSupervision.EventSocket.Tests.Support;

/// <summary>
/// A loopback peer whose every byte the test decides: it reads the client's commands one block at a time and
/// writes whatever the test says, so replies can be delayed, reordered around events, cut or refused.
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener;
    private readonly Channel<PeerConnection> _accepted = Channel.CreateUnbounded<PeerConnection>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public ScriptedPeer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public EslClientOptions Options(Action<EslClientOptions>? configure = null)
    {
        // Liveness off by default: a scripted peer answers exactly the commands its test scripts, and the HEARTBEAT
        // subscription would add one; liveness tests turn it back on.
        var options = new EslClientOptions { Host = "127.0.0.1", Port = Port, Password = "lab-secret", LivenessTimeout = TimeSpan.Zero };
        configure?.Invoke(options);
        return options;
    }

    public async Task<PeerConnection> AcceptAsync() => await _accepted.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    /// <summary>Accepts a connection and completes the auth exchange the way FreeSWITCH does.</summary>
    public async Task<PeerConnection> AcceptAuthenticatedAsync()
    {
        PeerConnection connection = await AcceptAsync();
        await connection.WriteAsync("Content-Type: auth/request\n\n");
        Assert.Equal("auth lab-secret", await connection.ReadCommandAsync());
        await connection.ReplyAsync("+OK accepted");
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        while (_accepted.Reader.TryRead(out PeerConnection? c))
        {
            c.Dispose();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            client.NoDelay = true;
            await _accepted.Writer.WriteAsync(new PeerConnection(client));
        }
    }
}

internal sealed class PeerConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly List<byte> _inbox = [];

    public PeerConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>The next command block the client sent (without the blank line; body appended after a blank line).</summary>
    public async Task<string> ReadCommandAsync()
    {
        using var timeout = new CancellationTokenSource(ScriptedPeer.Patience);
        while (true)
        {
            byte[] data = [.. _inbox];
            int end = data.AsSpan().IndexOf("\n\n"u8);
            if (end >= 0)
            {
                string head = Encoding.UTF8.GetString(data, 0, end);
                int bodyLength = head.Split('\n').Where(l => l.StartsWith("Content-Length: ", StringComparison.OrdinalIgnoreCase))
                    .Select(l => int.Parse(l["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                if (data.Length >= end + 2 + bodyLength)
                {
                    _inbox.RemoveRange(0, end + 2 + bodyLength);
                    return bodyLength == 0 ? head : head + "\n\n" + Encoding.UTF8.GetString(data, end + 2, bodyLength);
                }
            }

            byte[] buffer = new byte[8192];
            int read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new EndOfStreamException("The client closed the connection.");
            }

            _inbox.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>Completes when the client closes its side.</summary>
    public async Task WaitForCloseAsync()
    {
        using var timeout = new CancellationTokenSource(ScriptedPeer.Patience);
        byte[] buffer = new byte[8192];
        while (await _stream.ReadAsync(buffer, timeout.Token) > 0)
        {
        }
    }

    public Task WriteAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task ReplyAsync(string replyText, string? extraHeaders = null)
        => WriteAsync($"Content-Type: command/reply\nReply-Text: {replyText}\n{extraHeaders}\n");

    public Task ApiResponseAsync(string body)
        => WriteAsync($"Content-Type: api/response\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\n\n{body}");

    /// <summary>Writes a plain event framed like FreeSWITCH (Content-Length before Content-Type).</summary>
    public Task EventAsync(string serializedHeaders, string? body = null)
    {
        string inner = body is null
            ? serializedHeaders + "\n"
            : serializedHeaders + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\n\n" + body;
        return WriteAsync($"Content-Length: {Encoding.UTF8.GetByteCount(inner)}\nContent-Type: text/event-plain\n\n{inner}");
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }

    /// <summary>Closes with a reset instead of a graceful FIN.</summary>
    public void Abort()
    {
        _client.Client.LingerState = new LingerOption(true, 0);
        _client.Client.Close();
    }
}
