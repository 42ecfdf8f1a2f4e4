global using Xunit;
using System.Net.Sockets;
using System.Text;

namespace EslSupervision.Testing.Tests;

/// <summary>A received frame: envelope headers, body, and the inner event headers when the body is a plain event.</summary>
internal sealed record Frame(List<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string? this[string name] => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public string BodyText => Encoding.UTF8.GetString(Body);

    public List<KeyValuePair<string, string>> EventHeaders => Parse(Body).Headers;

    public string? Event(string name) => EventHeaders.FirstOrDefault(h => h.Key == name).Value is { } v ? Uri.UnescapeDataString(v) : null;

    public static (List<KeyValuePair<string, string>> Headers, int End) Parse(byte[] data)
    {
        var end = data.AsSpan().IndexOf("\n\n"u8);
        var head = Encoding.UTF8.GetString(data, 0, end < 0 ? data.Length : end);
        var list = new List<KeyValuePair<string, string>>();
        foreach (var line in head.Split('\n'))
        {
            var c = line.IndexOf(": ", StringComparison.Ordinal);
            if (c > 0)
            {
                list.Add(new(line[..c], line[(c + 2)..]));
            }
        }

        return (list, end);
    }
}

/// <summary>A tiny raw ESL client over TcpClient with its own byte-level frame reader.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private readonly List<byte> _buffer = [];
    private NetworkStream _stream = null!;

    public static async Task<TestClient> ConnectAsync(int port, string? password = "secret")
    {
        var c = new TestClient();
        await c._tcp.ConnectAsync("127.0.0.1", port);
        c._stream = c._tcp.GetStream();
        var auth = await c.ReadFrameAsync();
        Assert.Equal("auth/request", auth["Content-Type"]);
        if (password is not null)
        {
            var r = await c.CommandAsync("auth " + password);
            Assert.Equal("+OK accepted", r["Reply-Text"]);
        }

        return c;
    }

    public static async Task<TestClient> ConnectRawAsync(int port)
    {
        var c = new TestClient();
        await c._tcp.ConnectAsync("127.0.0.1", port);
        c._stream = c._tcp.GetStream();
        return c;
    }

    public List<byte[]> RawReads { get; } = [];

    public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task<Frame> CommandAsync(string command)
    {
        await SendAsync(command.EndsWith("\n\n", StringComparison.Ordinal) ? command : command + "\n\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads frames, skipping events, until a command/reply or api/response.</summary>
    public async Task<Frame> ReadReplyAsync()
    {
        while (true)
        {
            var f = await ReadFrameAsync();
            if (f["Content-Type"] is "command/reply" or "api/response")
            {
                return f;
            }
        }
    }

    public async Task<Frame> ReadEventAsync(string name, Func<Frame, bool>? match = null)
    {
        while (true)
        {
            var f = await ReadFrameAsync();
            if (f["Content-Type"] == "text/event-plain" && f.Event("Event-Name") == name && (match is null || match(f)))
            {
                return f;
            }
        }
    }

    public async Task<List<Frame>> ReadEventsUntilAsync(Func<Frame, bool> last)
    {
        var list = new List<Frame>();
        while (true)
        {
            var f = await ReadFrameAsync();
            if (f["Content-Type"]?.StartsWith("text/event", StringComparison.Ordinal) == true)
            {
                list.Add(f);
                if (last(f))
                {
                    return list;
                }
            }
        }
    }

    public async Task<Frame> ReadFrameAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var arr = _buffer.ToArray();
            var end = arr.AsSpan().IndexOf("\n\n"u8);
            if (end >= 0)
            {
                var (headers, _) = Frame.Parse(arr);
                var len = int.Parse(headers.FirstOrDefault(h => h.Key == "Content-Length").Value ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                if (arr.Length >= end + 2 + len)
                {
                    var body = arr.AsSpan(end + 2, len).ToArray();
                    _buffer.RemoveRange(0, end + 2 + len);
                    return new Frame(headers, body);
                }
            }

            await FillAsync(cts.Token);
        }
    }

    /// <summary>Reads until the peer closes; returns all bytes.</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await FillAsync(cts.Token, throwOnEof: false))
        {
        }

        return [.. _buffer];
    }

    private async Task<bool> FillAsync(CancellationToken ct, bool throwOnEof = true)
    {
        var buf = new byte[65536];
        var n = await _stream.ReadAsync(buf, ct);
        if (n == 0)
        {
            if (throwOnEof)
            {
                throw new EndOfStreamException();
            }

            return false;
        }

        RawReads.Add(buf[..n]);
        _buffer.AddRange(buf.AsSpan(0, n).ToArray());
        return true;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        _stream?.Dispose();
        return ValueTask.CompletedTask;
    }
}
