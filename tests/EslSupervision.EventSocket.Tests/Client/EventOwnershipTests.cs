using System.Globalization;
using System.Text;
using EslSupervision.EventSocket.Tests.Support;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// Event bodies wait for consumers in chunks the connection reuses. Whatever a consumer keeps must stay its own:
/// read later, on another thread, after thousands of later events went through the same chunks, after the
/// connection is gone.
/// </summary>
public class EventOwnershipTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private const int Count = 3000;

    private static string Filler(int seq)
    {
        // Sizes from ~50 bytes to ~6 KB, and every 97th event larger than a pooled body (its own array).
        int length = seq % 97 == 0 ? 20_000 : 50 + (seq * 389 % 6000);
        return new string((char)('a' + (seq % 26)), length);
    }

    private static string? InnerBody(int seq) => seq % 5 == 0 ? $"body of {seq} " + new string('z', seq % 700) : null;

    private static byte[] Frames()
    {
        var all = new MemoryStream();
        for (int seq = 1; seq <= Count; seq++)
        {
            string headers = $"Event-Name: CUSTOM\nEvent-Subclass: test%3A%3Aownership\nSeq: {seq}\nUnique-ID: id-{seq}\nFiller: {Filler(seq)}\n";
            string? body = InnerBody(seq);
            string inner = body is null ? headers + "\n" : headers + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\n\n" + body;
            byte[] frame = Encoding.UTF8.GetBytes($"Content-Length: {Encoding.UTF8.GetByteCount(inner)}\nContent-Type: text/event-plain\n\n{inner}");
            all.Write(frame);
        }

        return all.ToArray();
    }

    private static void AssertIntact(EslEvent e, int seq)
    {
        Assert.Equal("CUSTOM", e.EventName);
        Assert.Equal("test::ownership", e.Subclass);
        Assert.Equal(seq.ToString(CultureInfo.InvariantCulture), e["Seq"]);
        Assert.Equal($"id-{seq}", e.UniqueId);
        Assert.Equal(Filler(seq), e["Filler"]);
        Assert.Equal(InnerBody(seq), e.Body);
        Assert.Equal(InnerBody(seq) is null ? 5 : 6, e.HeaderCount);
    }

    [Fact]
    public async Task Events_kept_by_every_kind_of_consumer_keep_their_own_bytes_after_later_events_and_after_dispose()
    {
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options(o =>
        {
            o.OverflowPolicy = EslOverflowPolicy.Wait;
            o.EventBufferCapacity = 256; // small buffers: the chunks are drained and reused many times over
        }));
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);

        var kept = new List<EslEvent>();
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable subscription = client.Events.Subscribe(e =>
        {
            kept.Add(e);
            if (kept.Count == Count)
            {
                allSeen.TrySetResult();
            }
        });

        // A reader that keeps everything, and one that falls behind and drops (its dropped events give their bytes back).
        EslEventReader everything = client.CreateEventReader(new EslEventReaderOptions { Capacity = 256, OverflowPolicy = EslOverflowPolicy.Wait });
        EslEventReader lossy = client.CreateEventReader(new EslEventReaderOptions { Capacity = 16, OverflowPolicy = EslOverflowPolicy.DropOldest });
        Task<List<EslEvent>> reading = Task.Run(async () =>
        {
            var read = new List<EslEvent>();
            using var cts = new CancellationTokenSource(Patience);
            await foreach (EslEvent e in everything.ReadAllAsync(cts.Token))
            {
                read.Add(e);
                if (read.Count == Count)
                {
                    break;
                }
            }

            return read;
        });

        // Written in uneven pieces, so one socket read carries many events and frames straddle reads.
        byte[] frames = Frames();
        var random = new Random(8);
        for (int at = 0; at < frames.Length;)
        {
            int size = Math.Min(random.Next(1, 200_000), frames.Length - at);
            await connection.WriteAsync(frames.AsSpan(at, size).ToArray());
            at += size;
        }

        await allSeen.Task.WaitAsync(Patience);
        List<EslEvent> read = await reading.WaitAsync(Patience);
        var lossyKept = new List<EslEvent>();
        while (lossy.TryRead(out EslEvent? e))
        {
            lossyKept.Add(e);
        }

        await everything.DisposeAsync();
        await lossy.DisposeAsync();
        await client.DisposeAsync();

        // Checked after the connection is gone, on another thread than the ones that delivered them.
        await Task.Run(() =>
        {
            Assert.Equal(Count, kept.Count);
            Assert.Equal(Count, read.Count);
            for (int i = 0; i < Count; i++)
            {
                AssertIntact(kept[i], i + 1);
                AssertIntact(read[i], i + 1);
            }

            Assert.NotEmpty(lossyKept);
            Assert.True(lossy.Dropped > 0, "the lossy reader never fell behind: it did not exercise dropping");
            int last = 0;
            foreach (EslEvent e in lossyKept)
            {
                int seq = int.Parse(e["Seq"]!, CultureInfo.InvariantCulture);
                Assert.True(seq > last);
                AssertIntact(e, seq);
                last = seq;
            }
        }).WaitAsync(Patience);
    }
}
