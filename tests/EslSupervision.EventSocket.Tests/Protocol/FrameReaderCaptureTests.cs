using Xunit;
using EslSupervision.EventSocket.Protocol;
using EslSupervision.EventSocket.Tests.Support;
using EslSupervision.TestSupport;

namespace EslSupervision.EventSocket.Tests.Protocol;

/// <summary>The frame reader against every real FreeSWITCH 1.10.12 capture, whole and in pieces.</summary>
public class FrameReaderCaptureTests
{
    public static TheoryData<string> AllCaptures()
    {
        var data = new TheoryData<string>();
        foreach (string name in Captures.Names)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllCaptures))]
    public void Every_capture_is_cut_into_frames_with_nothing_left_over(string name)
    {
        List<EslFrame> frames = CaptureFrames.ReadAll(Captures.Server(name));

        Assert.NotEmpty(frames);
        Assert.DoesNotContain(frames, f => f.Type == EslContentType.Unknown);
    }

    [Fact]
    public void The_commands_capture_yields_the_frame_types_the_switch_sent_in_order()
    {
        List<EslFrame> frames = CaptureFrames.ReadAll(Captures.Server("inbound-commands"));

        Assert.Equal(38, frames.Count);
        Assert.Equal(EslContentType.AuthRequest, frames[0].Type);
        Assert.Equal("+OK accepted", frames[1].Header("Reply-Text"));
        Assert.Equal(EslContentType.EventPlain, frames[3].Type);
        Assert.Equal(EslContentType.ApiResponse, frames[4].Type);
        Assert.Equal("-ERR no_such_command Command not found!\n", frames[12].BodyText);
        Assert.Equal("+OK Job-UUID: 21bcf9ba-56b9-46c8-9ce5-5834a97e4861", frames[14].Header("Reply-Text"));
        Assert.Equal("21bcf9ba-56b9-46c8-9ce5-5834a97e4861", frames[14].Header("job-uuid"));
        Assert.Equal(EslContentType.LogData, frames[23].Type);
        Assert.Equal(EslContentType.EventJson, frames[25].Type);
        Assert.Equal("+OK bye", frames[36].Header("Reply-Text"));
        Assert.Equal(EslContentType.DisconnectNotice, frames[37].Type);
        Assert.Equal(67, frames[37].Body.Length);
    }

    [Theory]
    [InlineData("inbound-bad-auth")]
    [InlineData("inbound-commands")]
    [InlineData("outbound-socket-watcher")]
    public void A_small_capture_split_at_every_offset_yields_exactly_the_frames_it_yields_whole(string name)
    {
        byte[] bytes = Captures.Server(name);
        List<EslFrame> whole = CaptureFrames.ReadAll(bytes);

        for (int offset = 1; offset < bytes.Length; offset++)
        {
            CaptureFrames.AssertSame(whole, CaptureFrames.ReadInPieces(bytes, [offset]));
        }
    }

    [Theory]
    [InlineData("inbound-bad-auth")]
    [InlineData("supervision-client-calls-agent")]
    public void Byte_by_byte_delivery_yields_the_same_frames(string name)
    {
        byte[] bytes = Captures.Server(name);
        List<EslFrame> whole = CaptureFrames.ReadAll(bytes);

        CaptureFrames.AssertSame(whole, CaptureFrames.ReadInPieces(bytes, Enumerable.Range(1, bytes.Length - 1)));
    }

    [Theory]
    [MemberData(nameof(AllCaptures))]
    public void Each_single_frame_split_at_every_offset_parses_to_itself(string name)
    {
        byte[] bytes = Captures.Server(name);
        int start = 0;
        foreach (EslFrame frame in CaptureFrames.ReadAll(bytes))
        {
            int length = FrameLength(bytes, start);
            byte[] one = bytes.AsSpan(start, length).ToArray();

            // Large frames: every offset within the header and its first and last 64 bytes, plus a stride through the body.
            IEnumerable<int> offsets = length <= 4096
                ? Enumerable.Range(1, length - 1)
                : Enumerable.Range(1, 256).Concat(Enumerable.Range(length - 64, 63)).Concat(Enumerable.Range(1, length - 1).Where(i => i % 97 == 0));
            foreach (int offset in offsets.Distinct())
            {
                CaptureFrames.AssertSame([frame], CaptureFrames.ReadInPieces(one, [offset]));
            }

            start += length;
        }
    }

    [Theory]
    [InlineData("supervision-client-calls-agent", 1)]
    [InlineData("supervision-agent-calls-client", 2)]
    [InlineData("outbound-socket-session", 3)]
    [InlineData("resync-during-supervision", 4)]
    [InlineData("ring-group-simultaneous", 5)]
    public void A_large_capture_cut_at_seeded_random_offsets_yields_the_same_frames(string name, int seed)
    {
        byte[] bytes = Captures.Server(name);
        List<EslFrame> whole = CaptureFrames.ReadAll(bytes);
        var random = new Random(seed);

        for (int round = 0; round < 20; round++)
        {
            int maxChunk = round switch { < 5 => 7, < 10 => 300, _ => 9000 };
            var cuts = new List<int>();
            for (int at = random.Next(1, maxChunk); at < bytes.Length; at += random.Next(1, maxChunk))
            {
                cuts.Add(at);
            }

            CaptureFrames.AssertSame(whole, CaptureFrames.ReadInPieces(bytes, cuts));
        }
    }

    [Theory]
    [InlineData("supervision-client-calls-agent", 6)]
    [InlineData("resync-during-supervision", 7)]
    public void Event_bodies_received_in_place_at_seeded_random_offsets_are_the_same_bytes(string name, int seed)
    {
        byte[] bytes = Captures.Server(name);
        List<EslFrame> whole = CaptureFrames.ReadAll(bytes);
        var random = new Random(seed);

        for (int round = 0; round < 12; round++)
        {
            int maxChunk = round switch { < 4 => 7, < 8 => 300, _ => 9000 };
            var cuts = new List<int>();
            for (int at = random.Next(1, maxChunk); at < bytes.Length; at += random.Next(1, maxChunk))
            {
                cuts.Add(at);
            }

            List<EslFrame> chunked = CaptureFrames.Receive(bytes, cuts, new BodyChunkPool());
            CaptureFrames.AssertSame(whole, chunked);

            // Plain events were cut in place, not copied out.
            Assert.All(chunked.Where(f => f.Type == EslContentType.EventPlain && f.BodyLength > 0), f => Assert.NotNull(f.Chunk));
        }
    }

    [Fact]
    public void Byte_by_byte_reception_in_place_yields_the_same_frames()
    {
        byte[] bytes = Captures.Server("supervision-client-calls-agent");
        List<EslFrame> whole = CaptureFrames.ReadAll(bytes);

        CaptureFrames.AssertSame(whole, CaptureFrames.Receive(bytes, Enumerable.Range(1, bytes.Length - 1), new BodyChunkPool()));
    }

    /// <summary>The length of the frame starting at <paramref name="start"/>, computed independently of the reader.</summary>
    private static int FrameLength(byte[] bytes, int start)
    {
        while (bytes[start] == (byte)'\n')
        {
            start++;
        }

        int blank = bytes.AsSpan(start).IndexOf("\n\n"u8);
        string header = System.Text.Encoding.ASCII.GetString(bytes, start, blank);
        int body = header.Split('\n')
            .Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        return blank + 2 + body;
    }
}
