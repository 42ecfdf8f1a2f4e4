using Xunit;
using System.Buffers;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket.Tests.Support;

/// <summary>Feeds capture bytes to the production frame reader, whole or in pieces, the way a socket would.</summary>
internal static class CaptureFrames
{
    public static List<EslFrame> ReadAll(byte[] bytes, BodyChunkPool? chunks = null)
    {
        var frames = new List<EslFrame>();
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (EslFrameReader.TryRead(ref buffer, int.MaxValue, out EslFrame? frame, chunks))
        {
            frames.Add(frame!);
        }

        Assert.True(buffer.IsEmpty, $"{buffer.Length} bytes left over after the last frame");
        return frames;
    }

    /// <summary>
    /// Delivers the bytes in pieces ending at each cut. After every piece the reader sees what is unread so far
    /// as two segments split exactly at the newest cut, as a pipe holding two reads would present it. With
    /// <paramref name="chunks"/>, plain event bodies are cut into shared chunks the way the connection does.
    /// </summary>
    public static List<EslFrame> ReadInPieces(byte[] bytes, IEnumerable<int> cuts, BodyChunkPool? chunks = null)
    {
        var frames = new List<EslFrame>();
        int unread = 0;
        int previousCut = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            int boundary = Math.Max(previousCut, unread);
            ReadOnlySequence<byte> buffer = TwoSegments(bytes, unread, boundary, cut);
            while (EslFrameReader.TryRead(ref buffer, int.MaxValue, out EslFrame? frame, chunks))
            {
                frames.Add(frame!);
            }

            unread = cut - (int)buffer.Length;
            previousCut = cut;
        }

        Assert.Equal(bytes.Length, unread);
        return frames;
    }

    public static void AssertSame(IReadOnlyList<EslFrame> expected, IReadOnlyList<EslFrame> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Type, actual[i].Type);
            Assert.True(expected[i].BodySpan.SequenceEqual(actual[i].BodySpan), $"frame {i}: bodies differ");
            byte[] expectedEnvelope = expected[i].Envelope is { } e ? e.Raw.ToArray() : [];
            byte[] actualEnvelope = actual[i].Envelope is { } a ? a.Raw.ToArray() : [];
            Assert.True(expectedEnvelope.AsSpan().SequenceEqual(actualEnvelope), $"frame {i}: envelopes differ");
        }
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int start, int boundary, int end)
    {
        if (boundary <= start || boundary >= end)
        {
            return new ReadOnlySequence<byte>(bytes, start, end - start);
        }

        var first = new Segment(bytes.AsMemory(start, boundary - start));
        Segment last = first.Append(bytes.AsMemory(boundary, end - boundary));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
