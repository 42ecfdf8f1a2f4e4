using System.Buffers;
using BenchmarkDotNet.Attributes;
using EslSupervision.EventSocket;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.Benchmarks;

/// <summary>
/// Where the time of <see cref="ParseBenchmarks.FrameAndEventName"/> goes, per real event: the library's
/// frame reader alone (framing + body copy), and <c>EslEvent.FromPlain</c> + <c>EventName</c> alone over
/// bodies that were already cut out, as they arrive (ending in a blank line) and with that trailing blank
/// line removed (the same headers, but <c>FromPlain</c> then has no inner <c>Content-Length</c> to look up).
/// </summary>
[MemoryDiagnoser]
public class ParseBreakdownBenchmarks
{
    public const int Events = ParseBenchmarks.Events;

    private byte[] _stream = [];
    private byte[][] _bodies = [];
    private byte[][] _trimmedBodies = [];

    [GlobalSetup]
    public void Setup()
    {
        _stream = Corpus.Concatenate(Events);
        _bodies = Corpus.Bodies(Events);
        _trimmedBodies = [.. _bodies.Select(b => b.AsSpan().TrimEnd((byte)'\n').ToArray())];
    }

    /// <summary><c>EslFrameReader.TryRead</c> over the stream: envelope parse and the body copy, no event.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public int FrameReaderOnly()
    {
        var buffer = new ReadOnlySequence<byte>(_stream);
        int count = 0;
        while (EslFrameReader.TryRead(ref buffer, long.MaxValue, out EslFrame? frame))
        {
            count += frame!.Body.Length > 0 ? 1 : 0;
        }

        return count;
    }

    /// <summary><c>FromPlain</c> + <c>EventName</c> on bodies as FreeSWITCH sends them (they end in <c>\n\n</c>).</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int FromPlainAndEventName()
    {
        int count = 0;
        foreach (byte[] body in _bodies)
        {
            count += EslEvent.FromPlain(body).EventName.Length > 0 ? 1 : 0;
        }

        return count;
    }

    /// <summary>The same with the trailing blank line removed: what a truly lazy <c>FromPlain</c> would cost.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int FromPlainAndEventNameWithoutTrailingBlankLine()
    {
        int count = 0;
        foreach (byte[] body in _trimmedBodies)
        {
            count += EslEvent.FromPlain(body).EventName.Length > 0 ? 1 : 0;
        }

        return count;
    }
}
