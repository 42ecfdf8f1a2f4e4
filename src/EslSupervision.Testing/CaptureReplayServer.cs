using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EslSupervision.Testing;

/// <summary>How a <see cref="CaptureReplayServer"/> paces the captured bytes.</summary>
public enum ReplayPacing
{
    /// <summary>Write the whole capture at once.</summary>
    AllAtOnce,

    /// <summary>
    /// Write frames up to the first reply, then after each complete client command write the frames up to and including the
    /// next <c>command/reply</c> or <c>api/response</c> (events in between go with it; frames after the last reply go with it too).
    /// </summary>
    PerCommand,
}

/// <summary>
/// Accepts one connection on 127.0.0.1 and writes a captured <c>.server.esl</c> byte array to it, so client tests can replay
/// real FreeSWITCH traffic. Records what the client sent.
/// </summary>
public sealed class CaptureReplayServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly byte[] _server;
    private readonly ReplayPacing _pacing;
    private readonly int? _chunkSize;
    private readonly MemoryStream _received = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cts = new();
    private TcpClient? _client;

    private CaptureReplayServer(byte[] serverBytes, ReplayPacing pacing, int? chunkSize)
    {
        _server = serverBytes;
        _pacing = pacing;
        _chunkSize = chunkSize;
    }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when all captured bytes have been written (or the client went away).</summary>
    public Task Completed => _done.Task;

    /// <summary>Starts listening.</summary>
    /// <param name="serverBytes">The bytes to replay (a <c>.server.esl</c> file).</param>
    /// <param name="pacing">All at once, or frame groups per client command.</param>
    /// <param name="chunkSize">Split writes into chunks of this size (1 = byte by byte); null = whole writes.</param>
    /// <returns>The running server.</returns>
    public static CaptureReplayServer Start(byte[] serverBytes, ReplayPacing pacing = ReplayPacing.AllAtOnce, int? chunkSize = null)
    {
        ArgumentNullException.ThrowIfNull(serverBytes);
        var s = new CaptureReplayServer(serverBytes, pacing, chunkSize);
        s._listener.Start();
        _ = Task.Run(s.RunAsync);
        return s;
    }

    /// <summary>The bytes the client has sent so far.</summary>
    /// <returns>A copy of the received bytes.</returns>
    public byte[] GetClientBytes()
    {
        lock (_received)
        {
            return _received.ToArray();
        }
    }

    /// <summary>Stops listening and closes the connection.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Stop();
        _client?.Dispose();
        _done.TrySetResult();
        _cts.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Splits captured bytes into frames (header block plus Content-Length body).</summary>
    internal static List<(int Start, int Length, string Head)> Frames(byte[] data)
    {
        var list = new List<(int, int, string)>();
        var i = 0;
        while (i < data.Length)
        {
            var end = data.AsSpan(i).IndexOf("\n\n"u8);
            if (end < 0)
            {
                list.Add((i, data.Length - i, string.Empty));
                break;
            }

            var head = Encoding.UTF8.GetString(data, i, end);
            var length = 0;
            foreach (var line in head.Split('\n'))
            {
                if (line.StartsWith("Content-Length: ", StringComparison.OrdinalIgnoreCase))
                {
                    length = int.Parse(line[16..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            var total = end + 2 + length;
            list.Add((i, Math.Min(total, data.Length - i), head));
            i += total;
        }

        return list;
    }

    private async Task RunAsync()
    {
        try
        {
            _client = await _listener.AcceptTcpClientAsync(_cts.Token).ConfigureAwait(false);
            _client.NoDelay = true;
            var stream = _client.GetStream();
            var commands = System.Threading.Channels.Channel.CreateUnbounded<bool>();
            _ = Task.Run(() => ReadAsync(stream, commands.Writer));
            if (_pacing == ReplayPacing.AllAtOnce)
            {
                await WriteAsync(stream, 0, _server.Length).ConfigureAwait(false);
            }
            else
            {
                var frames = Frames(_server);
                var idx = 0;
                var first = true;
                while (idx < frames.Count)
                {
                    if (!first && !await commands.Reader.WaitToReadAsync(_cts.Token).ConfigureAwait(false))
                    {
                        break;
                    }

                    if (!first)
                    {
                        commands.Reader.TryRead(out _);
                    }

                    var start = frames[idx].Start;
                    var stop = idx;
                    while (stop < frames.Count)
                    {
                        var h = frames[stop].Head;
                        stop++;
                        if (first ? h.Contains("auth/request", StringComparison.Ordinal) : h.Contains("command/reply", StringComparison.Ordinal) || h.Contains("api/response", StringComparison.Ordinal))
                        {
                            break;
                        }
                    }

                    if (!frames.Skip(stop).Any(f => f.Head.Contains("command/reply", StringComparison.Ordinal) || f.Head.Contains("api/response", StringComparison.Ordinal)))
                    {
                        stop = frames.Count; // trailing events and notices follow the last reply at once
                    }

                    var endByte = frames[stop - 1].Start + frames[stop - 1].Length;
                    await WriteAsync(stream, start, endByte - start).ConfigureAwait(false);
                    idx = stop;
                    first = false;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _done.TrySetResult();
    }

    private async Task WriteAsync(NetworkStream stream, int offset, int count)
    {
        var size = _chunkSize ?? count;
        for (var i = 0; i < count; i += size)
        {
            await stream.WriteAsync(_server.AsMemory(offset + i, Math.Min(size, count - i)), _cts.Token).ConfigureAwait(false);
        }
    }

    private async Task ReadAsync(NetworkStream stream, System.Threading.Channels.ChannelWriter<bool> commands)
    {
        var buffer = new byte[4096];
        var pending = new List<byte>();
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, _cts.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                lock (_received)
                {
                    _received.Write(buffer, 0, n);
                }

                pending.AddRange(buffer.AsSpan(0, n).ToArray());
                var text = Encoding.UTF8.GetString([.. pending]).Replace("\r", string.Empty, StringComparison.Ordinal);
                int end;
                while ((end = text.IndexOf("\n\n", StringComparison.Ordinal)) >= 0)
                {
                    if (end > 0)
                    {
                        commands.TryWrite(true);
                    }

                    text = text[(end + 2)..];
                }

                pending = [.. Encoding.UTF8.GetBytes(text)];
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        commands.TryComplete();
    }
}
