using System.Text;

namespace EslSupervision.Testing.Internal;

/// <summary>Reads ESL command blocks the way mod_event_socket does: CR ignored, block ends at an empty line, then Content-Length body bytes.</summary>
internal sealed class FrameReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[8192];
    private int _pos;
    private int _len;

    public Func<CancellationToken, Task>? BeforeRead { get; set; }

    private async ValueTask<int> ReadByteAsync(CancellationToken ct)
    {
        if (_pos == _len)
        {
            if (BeforeRead is not null)
            {
                await BeforeRead(ct).ConfigureAwait(false);
            }

            _len = await stream.ReadAsync(_buffer, ct).ConfigureAwait(false);
            _pos = 0;
            if (_len == 0)
            {
                return -1;
            }
        }

        return _buffer[_pos++];
    }

    /// <summary>Returns (header block text, body bytes, raw bytes) or null at end of stream.</summary>
    public async Task<(string Head, byte[] Body, byte[] Raw)?> ReadAsync(CancellationToken ct)
    {
        var raw = new List<byte>(256);
        var head = new List<byte>(256);
        var lastWasLf = true;
        while (true)
        {
            var b = await ReadByteAsync(ct).ConfigureAwait(false);
            if (b < 0)
            {
                return null;
            }

            raw.Add((byte)b);
            if (b == '\r')
            {
                continue;
            }

            if (b == '\n')
            {
                if (head.Count == 0)
                {
                    continue; // leading blank lines are discarded
                }

                if (lastWasLf)
                {
                    break;
                }

                lastWasLf = true;
                head.Add((byte)b);
                continue;
            }

            lastWasLf = false;
            head.Add((byte)b);
        }

        var text = Encoding.UTF8.GetString([.. head]);
        var length = 0;
        foreach (var line in text.Split('\n'))
        {
            var c = line.IndexOf(':', StringComparison.Ordinal);
            if (c > 0 && string.Equals(line[..c].Trim(), "content-length", StringComparison.OrdinalIgnoreCase))
            {
                _ = int.TryParse(line[(c + 1)..].Trim(), out length);
            }
        }

        var body = new byte[Math.Max(0, length)];
        for (var i = 0; i < body.Length; i++)
        {
            var b = await ReadByteAsync(ct).ConfigureAwait(false);
            if (b < 0)
            {
                return null;
            }

            body[i] = (byte)b;
            raw.Add((byte)b);
        }

        return (text.TrimEnd('\n'), body, [.. raw]);
    }
}
