using System.Buffers;
using BenchmarkDotNet.Attributes;
using EslSupervision.EventSocket;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.Benchmarks;

/// <summary>
/// Parsing cost per real event, over a buffer of <see cref="Events"/> real event frames back to back.
/// Every benchmark walks the whole buffer; <c>OperationsPerInvoke</c> makes the reported mean and allocation
/// per event. The Ratio column is the cost relative to <see cref="BareFraming"/>.
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    /// <summary>Events in the buffer (the captures' event frames, cycled).</summary>
    public const int Events = 10_000;

    private const long MaxFrameSize = 64L * 1024 * 1024;

    private static readonly string[] TypicalHeaders =
    [
        "Unique-ID", "Call-Direction", "variable_dialed_user", "variable_dialed_domain",
        "variable_user_name", "variable_domain_name", "Caller-Destination-Number", "Application",
    ];

    private byte[] _stream = [];
    private int _headersFound;

    [GlobalSetup]
    public void Setup()
    {
        _stream = Corpus.Concatenate(Events);

        // Every variant must see every event, or the per-event figures would lie.
        Check(nameof(BareFramingLoop), BareFramingLoop());
        Check(nameof(FrameAndEventName), FrameAndEventName());
        Check(nameof(FrameAndEightHeaders), FrameAndEightHeaders());
        if (_headersFound == 0)
        {
            throw new InvalidOperationException("None of the eight headers was found: the corpus is not what it should be.");
        }
    }

    /// <summary>(a) Finds each blank line, parses Content-Length, skips the body. Nothing else.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public int BareFramingLoop()
    {
        int frames = BareFraming.SkipFrames(_stream, out _);
        return frames;
    }

    /// <summary>(b) The library's reader, <c>EslEvent.FromPlain</c>, then <c>EventName</c>: what every consumer does.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int FrameAndEventName()
    {
        var buffer = new ReadOnlySequence<byte>(_stream);
        int count = 0;
        while (EslFrameReader.TryRead(ref buffer, MaxFrameSize, out EslFrame? frame))
        {
            if (frame!.Type == EslContentType.EventPlain && EslEvent.FromPlain(frame.Body).EventName.Length > 0)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>(c) As (b), plus the eight headers a supervision consumer reads (present or not).</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int FrameAndEightHeaders()
    {
        var buffer = new ReadOnlySequence<byte>(_stream);
        int count = 0;
        int found = 0;
        while (EslFrameReader.TryRead(ref buffer, MaxFrameSize, out EslFrame? frame))
        {
            if (frame!.Type != EslContentType.EventPlain)
            {
                continue;
            }

            EslEvent e = EslEvent.FromPlain(frame.Body);
            if (e.EventName.Length > 0)
            {
                count++;
            }

            foreach (string name in TypicalHeaders)
            {
                if (e[name] is not null)
                {
                    found++;
                }
            }
        }

        _headersFound = found;
        return count;
    }

    private static void Check(string name, int events)
    {
        if (events != Events)
        {
            throw new InvalidOperationException($"{name} saw {events} events, expected {Events}.");
        }
    }
}
