using System.Text;
using EslSupervision.EventSocket.Protocol;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Protocol;

/// <summary>
/// Plain event bodies wait in the reused chunks the read thread received them into: an event a consumer takes must own
/// its bytes for good, and a chunk must never be written again while any event cut from it can still be read.
/// </summary>
public class BodyOwnershipTests
{
    private int _offset;
    private static byte[] Frame(int seq, int filler, string? body = null)
    {
        string headers = $"Event-Name: CUSTOM\nSeq: {seq}\nUnique-ID: id-{seq}\nFiller: {new string((char)('a' + (seq % 26)), filler)}\n";
        string inner = body is null ? headers + "\n" : headers + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\n\n" + body;
        return Encoding.UTF8.GetBytes(inner);
    }

    /// <summary>
    /// Puts <paramref name="frameBody"/> into a chunk rented from <paramref name="pool"/> (kept by the test, as the read
    /// thread keeps the chunk it receives into) and cuts it the way the frame reader does, as a loaned event.
    /// </summary>
    private EslEvent Loan(BodyChunkPool pool, byte[] frameBody, out BodyChunk chunk)
    {
        chunk = pool.Rent(BodyChunkPool.ChunkSize);
        _offset = 0;
        return Loan(chunk, frameBody);
    }

    /// <summary>A loaned event queued by <paramref name="buffers"/> buffers, after the read loop handed its batch over.</summary>
    private EslEvent Queued(BodyChunkPool pool, int seq, int buffers, out BodyChunk chunk)
    {
        EslEvent e = Loan(pool, Frame(seq, 100), out chunk);
        for (int i = 0; i < buffers; i++)
        {
            e.AddHold();
        }

        e.ReleaseHold(); // the read loop's batch
        return e;
    }

    /// <summary>Cuts <paramref name="frameBody"/> as the next loaned event in <paramref name="chunk"/>.</summary>
    private EslEvent Loan(BodyChunk chunk, byte[] frameBody)
    {
        frameBody.CopyTo(chunk.Data, _offset);
        chunk.AddBody();
        EslEvent e = EslEvent.FromPlain(chunk, _offset, frameBody.Length);
        _offset += frameBody.Length;
        return e;
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

        EslEvent delivered = e.Deliver();
        chunk.Data.AsSpan().Fill((byte)'X'); // what reuse by later events would do

        Assert.False(delivered.IsOnLoan);
        AssertSameEvent(EslEvent.FromPlain(frame), delivered);
        Assert.Equal("id-7", delivered.UniqueId);
        Assert.Equal("the body of seven", delivered.Body);

        // The loaned instance was its last holder's: emptied, so nothing reads it by mistake.
        Assert.NotSame(e, delivered);
        Assert.Throws<InvalidOperationException>(() => e["Seq"]);
    }

    [Fact]
    public void The_loaned_instance_does_not_keep_the_copy_it_delivered_alive()
    {
        // An event that waited in a buffer across a collection is old by the time it is delivered; if it pointed at its
        // fresh copy, the dead old event would keep the copy alive through every young collection.
        var pool = new BodyChunkPool();
        EslEvent queued = Queued(pool, 5, buffers: 1, out _);

        WeakReference delivered = DeliverAndForget(queued);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(delivered.IsAlive);
        GC.KeepAlive(queued);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference DeliverAndForget(EslEvent queued)
    {
        EslEvent delivered = queued.Deliver();
        Assert.Equal("id-5", delivered.UniqueId);
        return new WeakReference(delivered);
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
    public void A_chunk_is_reused_only_after_every_body_cut_from_it_was_released_and_the_read_thread_moved_on()
    {
        var pool = new BodyChunkPool();
        BodyChunk chunk = pool.Rent(BodyChunkPool.ChunkSize);
        List<EslEvent> events = Enumerable.Range(1, 5).Select(seq => Loan(chunk, Frame(seq, 4000))).ToList();
        foreach (EslEvent e in events)
        {
            e.AddHold(); // a buffer queued it
            e.ReleaseHold(); // the read loop's batch was handed over: only the buffer holds it now
        }

        // The read thread moves on, and all but one event are taken by consumers: the chunk is still lent out.
        chunk.Release();
        List<EslEvent> delivered = events.Skip(1).Select(e => e.Deliver()).ToList();

        Assert.Equal(0, pool.FreeCount);
        Assert.Equal(1, chunk.References);
        Assert.NotSame(chunk, pool.Rent(BodyChunkPool.ChunkSize)); // still lent out: a rent gets another chunk

        // The last one dropped unread: now the chunk is free, and the next rent reuses it instead of allocating.
        events[0].ReleaseHold();
        Assert.Equal(1, pool.FreeCount);
        Assert.Equal(0, chunk.References);
        long created = pool.Created;
        Assert.Same(chunk, pool.Rent(BodyChunkPool.ChunkSize));
        Assert.Equal(created, pool.Created);
        Assert.All(delivered, e => Assert.StartsWith("id-", e.UniqueId, StringComparison.Ordinal));
    }

    [Fact]
    public void Under_a_steady_drop_newest_overflow_queued_events_own_their_bytes_instead_of_each_keeping_a_chunk()
    {
        // A slow consumer behind DropNewest keeps events from far apart in the stream: each would keep its own
        // receive chunk (256 KiB) from reuse. Once the buffer drops, what it still queues is copied out.
        var pool = new BodyChunkPool();
        var buffer = new EslSupervision.EventSocket.Client.EventBuffer(4, 1 << 20, EslOverflowPolicy.DropNewest, eventsOnly: true, static (_, _) => { });
        int seq = 0;
        var queued = new List<(EslEvent Event, BodyChunk Chunk)>();

        // Each event in a chunk of its own, as far-apart events are; the read thread has moved on from each.
        (EslEvent Event, BodyChunk Chunk) Arrive()
        {
            EslEvent e = Loan(pool, Frame(++seq, 200), out BodyChunk chunk);
            chunk.Release();
            buffer.Write([e], 0);
            e.ReleaseHold(); // the read loop's batch
            return (e, chunk);
        }

        for (int i = 0; i < 4; i++)
        {
            queued.Add(Arrive()); // fills the buffer: a contiguous run, still on loan
        }

        Assert.All(queued, q => Assert.True(q.Event.IsOnLoan));
        (EslEvent dropped, BodyChunk droppedChunk) = Arrive();
        Assert.Equal(0, droppedChunk.References); // dropped: its chunk is free at once

        // The consumer takes one, another arrives and is queued behind the gap, and so on.
        for (int round = 0; round < 10; round++)
        {
            Assert.True(buffer.TryRead(out _));
            (EslEvent late, BodyChunk lateChunk) = Arrive();
            Assert.False(late.IsOnLoan);
            Assert.Equal(0, lateChunk.References); // copied out: the chunk went back to the pool
            Assert.Equal($"id-{seq}", late.UniqueId);
        }

        // Drained, the gap is gone: what arrives next waits in place again.
        while (buffer.TryRead(out _))
        {
        }

        Assert.True(Arrive().Event.IsOnLoan);
        Assert.Throws<InvalidOperationException>(() => dropped.UniqueId); // dropped unread: emptied, never read
    }

    [Fact]
    public void An_event_held_by_two_buffers_is_released_only_when_both_are_done_with_it()
    {
        var pool = new BodyChunkPool();
        EslEvent e = Queued(pool, 1, buffers: 2, out BodyChunk chunk);
        e.ReleaseHold(); // buffer A dropped it

        Assert.True(e.IsOnLoan);
        Assert.Equal(2, chunk.References); // the read thread's own + this body

        EslEvent delivered = e.Deliver(); // buffer B's consumer takes it
        Assert.False(delivered.IsOnLoan);
        Assert.False(e.IsOnLoan); // B was the last holder
        Assert.Equal(1, chunk.References);
        Assert.Equal("id-1", delivered.UniqueId);
    }

    [Fact]
    public void Buffers_delivering_the_same_event_share_one_copy()
    {
        var pool = new BodyChunkPool();
        EslEvent e = Queued(pool, 2, buffers: 2, out BodyChunk chunk);

        EslEvent byA = e.Deliver();
        Assert.True(e.IsOnLoan); // B still holds it
        EslEvent byB = e.Deliver();

        Assert.Same(byA, byB);
        Assert.Equal(1, chunk.References);
        Assert.Equal("id-2", byB.UniqueId);
    }

    [Fact]
    public void An_event_dropped_by_every_holder_gives_its_bytes_back_and_fails_loudly_if_ever_read()
    {
        var pool = new BodyChunkPool();
        EslEvent e = Queued(pool, 3, buffers: 1, out BodyChunk chunk);
        e.ReleaseHold(); // the buffer dropped it

        Assert.False(e.IsOnLoan);
        Assert.Equal(1, chunk.References);
        Assert.Throws<InvalidOperationException>(() => e["Seq"]);
        Assert.Throws<InvalidOperationException>(() => e.HeaderCount);
    }

    [Fact]
    public void A_chunk_larger_than_the_pooled_size_is_its_own_array_and_never_pooled()
    {
        var pool = new BodyChunkPool();
        BodyChunk large = pool.Rent(BodyChunkPool.ChunkSize + 1);

        Assert.True(large.Data.Length > BodyChunkPool.ChunkSize);
        large.Release();
        Assert.Equal(0, pool.FreeCount);
        Assert.NotSame(large, pool.Rent(BodyChunkPool.ChunkSize));
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
            var delivered = new EslEvent?[consumers];
            Thread[] threads = Enumerable.Range(0, consumers).Select(i => new Thread(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                delivered[i] = e.Deliver();
                seen[i] = delivered[i]!["Filler"];
            })).ToArray();
            foreach (Thread t in threads)
            {
                t.Start();
            }

            foreach (Thread t in threads)
            {
                Assert.True(t.Join(TimeSpan.FromSeconds(10)));
            }

            // Copied once, whoever won the race: one instance for all, and the chunk lost exactly this body's reference.
            Assert.All(delivered, d => Assert.Same(delivered[0], d));
            Assert.Equal(before - 1, chunk.References);
            chunk.Data.AsSpan().Fill((byte)'#');
            Assert.All(seen, s => Assert.Equal(new string((char)('a' + (round % 26)), 50 + (round * 37 % 2000)), s));
            AssertSameEvent(EslEvent.FromPlain(frame), delivered[0]!);
        }
    }
}
