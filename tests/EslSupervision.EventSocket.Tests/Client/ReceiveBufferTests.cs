using System.Text;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Protocol;
using EslSupervision.EventSocket.Tests.Support;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// The read thread receives straight into pooled chunks and cuts plain events in place. A chunk may be received into
/// again only once no event cut from it can still be read; an event kept on loan keeps its bytes however many chunks
/// later reads go through; a frame larger than a chunk still arrives whole.
/// </summary>
public class ReceiveBufferTests
{
    private static byte[] PlainFrame(int seq, int filler)
    {
        string inner = $"Event-Name: CUSTOM\nSeq: {seq}\nFiller: {new string((char)('a' + (seq % 26)), filler)}\n\n";
        return Encoding.UTF8.GetBytes($"Content-Length: {Encoding.UTF8.GetByteCount(inner)}\nContent-Type: text/event-plain\n\n{inner}");
    }

    /// <summary>About <paramref name="totalBytes"/> of plain events from ~100 B to ~9 KB, and the cuts a socket might make.</summary>
    private static (byte[] Bytes, List<int> Cuts) Stream(int totalBytes, int seed, Func<int, int>? filler = null)
    {
        var all = new MemoryStream();
        for (int seq = 1; all.Length < totalBytes; seq++)
        {
            all.Write(PlainFrame(seq, filler?.Invoke(seq) ?? 100 + (seq * 7919 % 9000)));
        }

        byte[] bytes = all.ToArray();
        var random = new Random(seed);
        var cuts = new List<int>();
        for (int at = random.Next(1, 70_000); at < bytes.Length; at += random.Next(1, 70_000))
        {
            cuts.Add(at);
        }

        return (bytes, cuts);
    }

    /// <summary>A consumer that reads each event as it is cut (checking it against <paramref name="expected"/>), then releases it.</summary>
    private static Action<EslFrame> ReadThenRelease(List<EslFrame> expected)
    {
        int index = 0;
        return frame =>
        {
            EslFrame want = expected[index++];
            Assert.True(want.BodySpan.SequenceEqual(frame.BodySpan), $"event {index - 1} differs");
            frame.Chunk?.Release();
        };
    }

    [Fact]
    public void Events_released_as_they_are_cut_let_a_few_chunks_carry_a_stream_many_chunks_long()
    {
        (byte[] bytes, List<int> cuts) = Stream(12 * BodyChunkPool.ChunkSize, seed: 1);
        var pool = new BodyChunkPool();

        List<EslFrame> frames = CaptureFrames.Receive(bytes, cuts, pool, ReadThenRelease(CaptureFrames.ReadAll(bytes)));

        Assert.All(frames, f => Assert.NotNull(f.Chunk)); // cut in place, none copied into an array of its own
        Assert.InRange(pool.Created, 1, 2); // the stream was 12 chunks long
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Events_kept_on_loan_keep_their_bytes_while_reading_goes_on_through_many_chunks(bool readsEndAtFrameBoundaries)
    {
        (byte[] bytes, List<int> cuts) = Stream(12 * BodyChunkPool.ChunkSize, seed: 2);
        if (readsEndAtFrameBoundaries)
        {
            // Nothing unread when the chunk runs out of room: the case where receiving into it again looks tempting.
            cuts = FrameEnds(bytes);
        }

        List<EslFrame> expected = CaptureFrames.ReadAll(bytes);
        var pool = new BodyChunkPool();
        var kept = new List<(int Index, EslFrame Frame)>();
        int index = 0;

        // Every 20th event is kept (never released); the rest are released as they are cut, so chunks get reused.
        CaptureFrames.Receive(bytes, cuts, pool, frame =>
        {
            if (index++ % 20 == 0)
            {
                kept.Add((index - 1, frame));
            }
            else
            {
                frame.Chunk!.Release();
            }
        });

        Assert.True(kept.Count > 20);
        Assert.All(kept, k => Assert.True(expected[k.Index].BodySpan.SequenceEqual(k.Frame.BodySpan), $"event {k.Index} was overwritten"));
        Assert.True(pool.Created > 2, "chunks holding a kept event are not received into again: new ones were needed");
    }

    private static List<int> FrameEnds(byte[] bytes)
    {
        var ends = new List<int>();
        int at = 0;
        foreach (EslFrame frame in CaptureFrames.ReadAll(bytes))
        {
            at = bytes.AsSpan(at).IndexOf("\n\n"u8) + at + 2 + frame.BodyLength;
            ends.Add(at);
        }

        return ends[..^1];
    }

    [Fact]
    public void A_frame_larger_than_a_chunk_arrives_whole_and_reading_goes_back_to_pooled_chunks()
    {
        // Two events of ~600 KB among ordinary ones.
        (byte[] bytes, List<int> cuts) = Stream(8 * BodyChunkPool.ChunkSize, seed: 3, seq => seq is 20 or 90 ? 600_000 : 3000);
        var pool = new BodyChunkPool();

        List<EslFrame> expected = CaptureFrames.ReadAll(bytes);

        List<EslFrame> frames = CaptureFrames.Receive(bytes, cuts, pool, ReadThenRelease(expected));

        Assert.Equal(expected.Count, frames.Count);
        EslFrame[] large = frames.Where(f => f.BodyLength > BodyChunkPool.ChunkSize).ToArray();
        Assert.Equal(2, large.Length);
        Assert.All(large, f => Assert.NotNull(f.Chunk)); // in place, in a chunk of its own size
        Assert.Equal(BodyChunkPool.ChunkSize, frames[^1].Chunk!.Data.Length);
        Assert.InRange(pool.Created, 1, 6);
    }
}
