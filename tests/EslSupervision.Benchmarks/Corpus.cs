using System.Text;
using EslSupervision.TestSupport;

namespace EslSupervision.Benchmarks;

/// <summary>
/// The real <c>text/event-plain</c> frames of the FreeSWITCH 1.10.12 captures, cut out independently of the
/// library's own reader, so the benchmarks feed the code exactly what a switch sends.
/// </summary>
internal static class Corpus
{
    private static readonly Lazy<byte[][]> Frames = new(LoadFrames);

    /// <summary>Every event frame (envelope + body) of every capture, in capture order.</summary>
    public static IReadOnlyList<byte[]> EventFrames => Frames.Value;

    /// <summary>
    /// <paramref name="count"/> event frames back to back, cycling through <see cref="EventFrames"/>, so any
    /// count keeps the real mix of event types and sizes.
    /// </summary>
    public static byte[] Concatenate(int count)
    {
        byte[][] frames = Frames.Value;
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            total += frames[i % frames.Length].Length;
        }

        var blob = new byte[total];
        int pos = 0;
        for (int i = 0; i < count; i++)
        {
            byte[] f = frames[i % frames.Length];
            f.CopyTo(blob, pos);
            pos += f.Length;
        }

        return blob;
    }

    /// <summary>The bodies (what <c>EslEvent.FromPlain</c> takes) of <paramref name="count"/> event frames, each a fresh array.</summary>
    public static byte[][] Bodies(int count)
    {
        byte[][] frames = Frames.Value;
        var bodies = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            byte[] f = frames[i % frames.Length];
            int blank = f.AsSpan().IndexOf("\n\n"u8);
            bodies[i] = f.AsSpan(blank + 2).ToArray();
        }

        return bodies;
    }

    /// <summary>One line describing the corpus, for the results.</summary>
    public static string Describe()
    {
        byte[][] frames = Frames.Value;
        long bytes = frames.Sum(f => (long)f.Length);
        return $"{frames.Length} real text/event-plain frames from {Captures.Names.Length} captures, "
            + $"{frames.Min(f => f.Length)}-{frames.Max(f => f.Length)} bytes, mean {bytes / frames.Length} bytes on the wire";
    }

    private static byte[][] LoadFrames()
    {
        var frames = new List<byte[]>();
        foreach (string name in Captures.Names)
        {
            ReadOnlySpan<byte> rest = Captures.Server(name);
            while (true)
            {
                int skip = 0;
                while (skip < rest.Length && (rest[skip] == (byte)'\n' || rest[skip] == (byte)'\r'))
                {
                    skip++;
                }

                rest = rest[skip..];
                int blank = rest.IndexOf("\n\n"u8);
                if (blank < 0)
                {
                    break;
                }

                string envelope = Encoding.ASCII.GetString(rest[..blank]);
                int length = 0;
                bool isEvent = false;
                foreach (string line in envelope.Split('\n'))
                {
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    {
                        length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else if (line.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
                    {
                        isEvent = line["Content-Type:".Length..].Trim() == "text/event-plain";
                    }
                }

                int frameLength = blank + 2 + length;
                if (frameLength > rest.Length)
                {
                    break;
                }

                if (isEvent)
                {
                    frames.Add(rest[..frameLength].ToArray());
                }

                rest = rest[frameLength..];
            }
        }

        if (frames.Count == 0)
        {
            throw new InvalidOperationException($"No event frames found under {Captures.Directory}.");
        }

        return [.. frames];
    }
}
