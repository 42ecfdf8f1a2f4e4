using System.Buffers;
using EslSupervision.EventSocket.Protocol;
using EslSupervision.EventSocket.Tests.Support;
using EslSupervision.TestSupport;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Protocol;

/// <summary>Blank lines between frames are skipped wherever the socket's reads (the pipe's segments) split them.</summary>
public class BlankLineTests
{
    [Theory]
    [InlineData("inbound-commands")]
    [InlineData("outbound-socket-watcher")]
    public void Blank_lines_between_frames_are_skipped_at_every_split(string name)
    {
        byte[] capture = Captures.Server(name);
        List<EslFrame> whole = CaptureFrames.ReadAll(capture);
        byte[] padded = WithBlankLinesBetweenFrames(capture);

        CaptureFrames.AssertSame(whole, CaptureFrames.ReadAll(padded));
        for (int offset = 1; offset < padded.Length; offset++)
        {
            CaptureFrames.AssertSame(whole, CaptureFrames.ReadInPieces(padded, [offset]));
        }

        CaptureFrames.AssertSame(whole, CaptureFrames.ReadInPieces(padded, Enumerable.Range(1, padded.Length - 1)));
    }

    [Fact]
    public void A_buffer_of_one_byte_segments_with_blank_lines_yields_the_same_frames()
    {
        byte[] capture = Captures.Server("inbound-commands");
        List<EslFrame> whole = CaptureFrames.ReadAll(capture);
        ReadOnlySequence<byte> buffer = OneByteSegments(WithBlankLinesBetweenFrames(capture));

        var frames = new List<EslFrame>();
        while (EslFrameReader.TryRead(ref buffer, int.MaxValue, out EslFrame? frame))
        {
            frames.Add(frame!);
        }

        Assert.True(buffer.IsEmpty, $"{buffer.Length} bytes left over");
        CaptureFrames.AssertSame(whole, frames);
    }

    [Fact]
    public void Only_blank_lines_across_segments_are_consumed_and_wait_for_more()
    {
        ReadOnlySequence<byte> buffer = OneByteSegments("\n\r\n\n\n"u8.ToArray());

        Assert.False(EslFrameReader.TryRead(ref buffer, int.MaxValue, out _));
        Assert.True(buffer.IsEmpty);
    }

    /// <summary>The capture with "\n\r\n\n" after every frame (and before the first).</summary>
    private static byte[] WithBlankLinesBetweenFrames(byte[] capture)
    {
        byte[] blank = "\n\r\n\n"u8.ToArray();
        var output = new List<byte>(blank);
        var buffer = new ReadOnlySequence<byte>(capture);
        long consumed = 0;
        while (EslFrameReader.TryRead(ref buffer, int.MaxValue, out _))
        {
            long end = capture.Length - buffer.Length;
            output.AddRange(capture.AsSpan((int)consumed, (int)(end - consumed)).ToArray());
            output.AddRange(blank);
            consumed = end;
        }

        return [.. output];
    }

    private static ReadOnlySequence<byte> OneByteSegments(byte[] bytes)
    {
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        Segment last = first;
        for (int i = 1; i < bytes.Length; i++)
        {
            last = last.Append(bytes.AsMemory(i, 1));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
