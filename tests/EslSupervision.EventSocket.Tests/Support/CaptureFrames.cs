using Xunit;
using System.Buffers;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket.Tests.Support;

/// <summary>Feeds capture bytes to the production frame reader, whole or in pieces, the way a socket would.</summary>
internal static class CaptureFrames
{
    public static List<EslFrame> ReadAll(byte[] bytes)
    {
        var frames = new List<EslFrame>();
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (EslFrameReader.TryRead(ref buffer, int.MaxValue, out EslFrame? frame))
        {
            frames.Add(frame!);
        }

        Assert.True(buffer.IsEmpty, $"{buffer.Length} bytes left over after the last frame");
        return frames;
    }

    /// <summary>
    /// Delivers the bytes in pieces ending at each cut. After every piece the reader sees what is unread so far
    /// as two segments split exactly at the newest cut, as a pipe holding two reads would present it.
    /// </summary>
    public static List<EslFrame> ReadInPieces(byte[] bytes, IEnumerable<int> cuts)
    {
        var frames = new List<EslFrame>();
        int unread = 0;
        int previousCut = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            int boundary = Math.Max(previousCut, unread);
            ReadOnlySequence<byte> buffer = TwoSegments(bytes, unread, boundary, cut);
            while (EslFrameReader.TryRead(ref buffer, int.MaxValue, out EslFrame? frame))
            {
                frames.Add(frame!);
            }

            unread = cut - (int)buffer.Length;
            previousCut = cut;
        }

        Assert.Equal(bytes.Length, unread);
        return frames;
    }

    /// <summary>
    /// Receives the bytes the way the inbound read thread does: each piece (ending at each cut) lands in a
    /// <see cref="ReceiveBuffer"/> over <paramref name="chunks"/>, and frames are cut in place from its chunk.
    /// <paramref name="onFrame"/> sees each frame as it is cut (before later pieces arrive).
    /// </summary>
    public static List<EslFrame> Receive(byte[] bytes, IEnumerable<int> cuts, BodyChunkPool chunks, Action<EslFrame>? onFrame = null)
    {
        var frames = new List<EslFrame>();
        using var receive = new ReceiveBuffer(chunks);
        int at = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            while (at < cut)
            {
                ArraySegment<byte> space = receive.GetReadSpace();
                int count = Math.Min(space.Count, cut - at);
                bytes.AsSpan(at, count).CopyTo(space.AsSpan());
                receive.Advance(count);
                at += count;

                ReadOnlySequence<byte> unread = receive.Unread;
                while (EslFrameReader.TryRead(ref unread, int.MaxValue, out EslFrame? frame, receive.Chunk))
                {
                    frames.Add(frame!);
                    onFrame?.Invoke(frame!);
                }

                receive.Consumed(unread.Length);
            }
        }

        Assert.Equal(0, receive.UnreadLength);
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
