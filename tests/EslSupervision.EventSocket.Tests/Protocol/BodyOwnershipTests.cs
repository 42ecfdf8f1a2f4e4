using System.Text;
using EslSupervision.EventSocket.Protocol;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Protocol;

/// <summary>
/// Plain event bodies wait in shared, reused chunks: an event a consumer takes must own its bytes for good, and a
/// chunk must never be written again while any event cut from it can still be read.
/// </summary>
public class BodyOwnershipTests
{
    private static byte[] Frame(int seq, int filler, string? body = null)
    {
        string headers = $"Event-Name: CUSTOM\nSeq: {seq}\nUnique-ID: id-{seq}\nFiller: {new string((char)('a' + (seq % 26)), filler)}\n";
        string inner = body is null ? headers + "\n" : headers + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\n\n" + body;
        return Encoding.UTF8.GetBytes(inner);
    }

    /// <summary>Cuts <paramref name="frameBody"/> into the pool the way the frame reader does, as a loaned event.</summary>
    private static EslEvent Loan(BodyChunkPool pool, byte[] frameBody, out BodyChunk chunk)
    {
        Assert.True(pool.TryReserve(frameBody.Length, out chunk, out int offset));
        frameBody.CopyTo(chunk.Data, offset);
        return EslEvent.FromPlain(chunk, offset, frameBody.Length);
    }

    private static void AssertSameEvent(EslEvent expected, EslEvent actual)
    {
        Assert.Equal(expected.Headers.ToArray(), actual.Headers.ToArray());
        Assert.Equal(expected.Body, actual.Body);
        Assert.Equal(expected.BodyBytes.ToArray(), actual.BodyBytes.ToArray());
        Assert.Equal(expected.EventName, actual.EventName);
    }

    [Fact]
    public void A_delivered_event_keeps_its_own_bytes_when_its_chunk_is_overwritten()
    {
        var pool = new BodyChunkPool();
        byte[] frame = Frame(7, 300, "the body of seven");
        EslEvent e = Loan(pool, frame, out BodyChunk chunk);

        e.Deliver();
        chunk.Data.AsSpan().Fill((byte)'X'); // what reuse by later events would do

        Assert.False(e.IsOnLoan);
        AssertSameEvent(EslEvent.FromPlain(frame), e);
        Assert.Equal("id-7", e.UniqueId);
        Assert.Equal("the body of seven", e.Body);
    }

    [Fact]
    public async Task An_inline_consumer_that_keeps_an_event_keeps_its_own_bytes_when_the_chunk_is_overwritten()
    {
        // The controller takes events inline on the read loop and keeps some (a park goes to its session's queue).
        var pool = new BodyChunkPool();
        byte[] frame = Frame(9, 300, "the body of nine");
        EslEvent e = Loan(pool, frame, out BodyChunk chunk);
        await using var dispatcher = new EslSupervision.EventSocket.Client.EventDispatcher(16, 1 << 20, EslOverflowPolicy.DropOldest, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, EslSupervision.EventSocket.Diagnostics.EslMetrics.Shared);
        EslEvent? kept = null;
        using IDisposable inline = dispatcher.SubscribeInline(x => kept = x);

        await dispatcher.PublishAsync([e], CancellationToken.None);
        e.ReleaseHold(); // the read loop is done with its batch
        chunk.Data.AsSpan().Fill((byte)'X'); // what reuse by later events would do

        Assert.Same(e, kept);
        Assert.False(kept!.IsOnLoan);
        AssertSameEvent(EslEvent.FromPlain(frame), kept);
        Assert.Equal("the body of nine", kept.Body);
    }

    [Fact]
    public async Task A_lending_inline_consumer_reads_events_in_place_and_one_kept_without_taking_it_fails_loudly_instead_of_reading_other_bytes()
    {
        // The controller's intake borrows events (no copy per event) and takes only those it keeps; one kept by
        // mistake must fail on read once the read loop is done, never read the next events in the reused chunk.
        var pool = new BodyChunkPool();
        byte[] frame = Frame(11, 300, "the body of eleven");
        EslEvent e = Loan(pool, frame, out BodyChunk chunk);
        await using var dispatcher = new EslSupervision.EventSocket.Client.EventDispatcher(16, 1 << 20, EslOverflowPolicy.DropOldest, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, EslSupervision.EventSocket.Diagnostics.EslMetrics.Shared);
        EslEvent? kept = null;
        string? seqDuringCall = null;
        bool onLoanDuringCall = false;
        using IDisposable inline = dispatcher.SubscribeInline(
            x =>
            {
                seqDuringCall = x["Seq"];
                onLoanDuringCall = x.IsOnLoan;
                kept = x;
            },
            lend: true);

        await dispatcher.PublishAsync([e], CancellationToken.None);
        e.ReleaseHold(); // the read loop is done with its batch
        chunk.Data.AsSpan().Fill((byte)'X'); // what reuse by later events would do

        Assert.Equal("11", seqDuringCall);
        Assert.True(onLoanDuringCall);
        Assert.Same(e, kept);
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => kept!["Seq"]);
        Assert.Contains("released", error.Message, StringComparison.Ordinal);
        Assert.Null(kept!.Body);
    }

    [Fact]
    public void A_chunk_is_reused_only_after_every_body_cut_from_it_was_released()
    {
        var pool = new BodyChunkPool();
        var first = new List<(EslEvent Event, BodyChunk Chunk)>();
        BodyChunk? firstChunk = null;
        int seq = 0;

        // Fill the first chunk, until a body lands in a second one.
        while (true)
        {
            EslEvent e = Loan(pool, Frame(++seq, 4000), out BodyChunk chunk);
            firstChunk ??= chunk;
            if (chunk != firstChunk)
            {
                e.ReleaseHold();
                break;
            }

            first.Add((e, chunk));
        }

        Assert.True(first.Count >= 2);
        Assert.Equal(2, pool.Created);

        // All but one taken by consumers: the chunk is still lent out and must not come back.
        foreach (var (e, _) in first.Skip(1))
        {
            e.Deliver();
        }

        Assert.Equal(0, pool.FreeCount);
        Assert.Equal(1, firstChunk.References);

        // The last one dropped unread: now the chunk is free for reuse.
        first[0].Event.ReleaseHold();
        Assert.Equal(1, pool.FreeCount);
        Assert.Equal(0, firstChunk.References);

        // Bodies kept on loan until the second chunk is full: the next chunk is the freed first one, not a new one.
        BodyChunk next;
        do
        {
            Loan(pool, Frame(++seq, 4000), out next);
        }
        while (next != firstChunk && pool.Created == 2);

        Assert.Same(firstChunk, next);
        Assert.Equal(2, pool.Created);
    }

    [Fact]
    public void An_event_held_by_two_buffers_is_released_only_when_both_are_done_with_it()
    {
        var pool = new BodyChunkPool();
        EslEvent e = Loan(pool, Frame(1, 100), out BodyChunk chunk);
        e.AddHold(); // buffer A
        e.AddHold(); // buffer B
        e.ReleaseHold(); // the read loop's batch was handed over
        e.ReleaseHold(); // buffer A dropped it

        Assert.True(e.IsOnLoan);
        Assert.Equal(2, chunk.References); // the pool's own + this body

        e.Deliver(); // buffer B's consumer takes it
        Assert.False(e.IsOnLoan);
        Assert.Equal(1, chunk.References);
        Assert.Equal("id-1", e.UniqueId);
    }

    [Fact]
    public void An_event_dropped_by_every_holder_gives_its_bytes_back_and_fails_loudly_if_ever_read()
    {
        var pool = new BodyChunkPool();
        EslEvent e = Loan(pool, Frame(3, 100), out BodyChunk chunk);
        e.AddHold(); // one buffer
        e.ReleaseHold(); // batch handed over
        e.ReleaseHold(); // the buffer dropped it

        Assert.False(e.IsOnLoan);
        Assert.Equal(1, chunk.References);
        Assert.Throws<InvalidOperationException>(() => e["Seq"]);
        Assert.Throws<InvalidOperationException>(() => e.HeaderCount);
    }

    [Fact]
    public void Bodies_too_large_to_pool_get_their_own_array()
    {
        var pool = new BodyChunkPool();
        Assert.False(pool.TryReserve(BodyChunkPool.MaxPooledBody + 1, out _, out _));
        Assert.False(pool.TryReserve(0, out _, out _));
        Assert.Equal(0, pool.Created);
    }

    [Fact]
    public void Consumers_taking_the_same_event_at_once_all_see_its_own_bytes_and_the_chunk_is_released_once()
    {
        var pool = new BodyChunkPool();
        const int consumers = 4;
        for (int round = 0; round < 200; round++)
        {
            byte[] frame = Frame(round, 50 + (round * 37 % 2000), round % 3 == 0 ? $"body {round}" : null);
            EslEvent e = Loan(pool, frame, out BodyChunk chunk);
            int before = chunk.References;
            for (int i = 0; i < consumers; i++)
            {
                e.AddHold();
            }

            e.ReleaseHold();

            // Dedicated threads released together by a barrier (pool threads could starve on a 2-core machine).
            using var start = new Barrier(consumers);
            var seen = new string?[consumers];
            Thread[] threads = Enumerable.Range(0, consumers).Select(i => new Thread(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                e.Deliver();
                seen[i] = e["Filler"];
            })).ToArray();
            foreach (Thread t in threads)
            {
                t.Start();
            }

            foreach (Thread t in threads)
            {
                Assert.True(t.Join(TimeSpan.FromSeconds(10)));
            }

            // Copied once: the chunk lost exactly this body's reference, whoever won the race.
            Assert.Equal(before - 1, chunk.References);
            chunk.Data.AsSpan().Fill((byte)'#');
            Assert.All(seen, s => Assert.Equal(new string((char)('a' + (round % 26)), 50 + (round * 37 % 2000)), s));
            AssertSameEvent(EslEvent.FromPlain(frame), e);
        }
    }
}
