using System.Globalization;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// The hand-off between a writer (the socket's read loop) and a consumer that parks when the buffer is empty:
/// under the Wait policy nothing may be dropped, so a single lost wake-up (of the parked consumer, or of the
/// writer waiting for space) shows up as a run that never finishes.
/// </summary>
/// <remarks>CPU-heavy races: run alone, so they neither starve the timing-sensitive tests nor are starved by them.</remarks>
[Collection(nameof(HandOffStress))]
public class EventBufferHandOffTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_event_arrives_in_order_when_many_writers_race_the_consumers_park_and_wake(bool consumerOnItsOwnThread)
    {
        const int writers = 4;
        const int perWriter = 25_000;

        // A tiny buffer: writers fill it and wait for space all the time, the consumer empties it and parks all the time.
        var buffer = new EventBuffer(8, 1 << 20, EslOverflowPolicy.Wait, eventsOnly: true, static (_, _) => { });
        Task<int[]> consumer = consumerOnItsOwnThread ? ConsumeOnThread(buffer, writers) : Task.Run(() => ConsumeAsync(buffer, writers));
        Task[] producers = [.. Enumerable.Range(0, writers).Select(w => Task.Run(() => ProduceAsync(buffer, w, perWriter)))];

        await Task.WhenAll(producers).WaitAsync(Patience);
        buffer.Complete(null);
        int[] last = await consumer.WaitAsync(Patience);

        Assert.All(last, seq => Assert.Equal(perWriter - 1, seq));
        Assert.Equal(0, buffer.Dropped);
        Assert.Equal(0, buffer.Bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rx_subscriber_and_reader_both_get_every_event_of_many_small_batches_under_the_wait_policy(bool dedicatedThread)
    {
        const int total = 60_000;
        await using var dispatcher = new EventDispatcher(4, 1 << 20, EslOverflowPolicy.Wait, NullLogger.Instance, EslMetrics.Shared, dedicatedThread);
        await using EslEventReader reader = dispatcher.CreateReader(null);
        int seen = 0;
        int outOfOrder = 0;
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable sub = dispatcher.Events.Subscribe(e =>
        {
            if (Seq(e) != seen)
            {
                outOfOrder++;
            }

            if (++seen == total)
            {
                allSeen.TrySetResult();
            }
        });

        Task<int> reading = Task.Run(async () =>
        {
            int read = 0;
            await foreach (EslEvent e in reader.ReadAllAsync())
            {
                Assert.Equal(read, Seq(e));
                if (++read == total)
                {
                    break;
                }
            }

            return read;
        });

        // As the read loop does: one batch per socket read, of whatever size the read produced, reused afterwards.
        var batch = new List<object>();
        var random = new Random(8);
        for (int next = 0; next < total;)
        {
            int size = Math.Min(random.Next(1, 12), total - next);
            for (int i = 0; i < size; i++)
            {
                batch.Add(Event(0, next++));
            }

            await dispatcher.PublishAsync(batch, CancellationToken.None).AsTask().WaitAsync(Patience);
            batch.Clear();
            Vary(random);
        }

        await allSeen.Task.WaitAsync(Patience);
        Assert.Equal(total, await reading.WaitAsync(Patience));
        Assert.Equal(0, outOfOrder);
        Assert.Equal(0, dispatcher.Dropped);
    }

    private static async Task ProduceAsync(EventBuffer buffer, int writer, int count)
    {
        var random = new Random(writer);
        var batch = new List<object>();
        for (int next = 0; next < count;)
        {
            int size = Math.Min(random.Next(1, 20), count - next);
            for (int i = 0; i < size; i++)
            {
                batch.Add(Event(writer, next++));
            }

            int written = buffer.Write(batch, 0);
            while (written < batch.Count)
            {
                await buffer.WaitForSpaceAsync(CancellationToken.None);
                written = buffer.Write(batch, written);
            }

            batch.Clear();
            Vary(random);
        }
    }

    private static async Task<int[]> ConsumeAsync(EventBuffer buffer, int writers)
    {
        int[] last = [.. Enumerable.Repeat(-1, writers)];
        while (await buffer.WaitToReadAsync(CancellationToken.None))
        {
            Drain(buffer, last);
        }

        return last;
    }

    /// <summary>As the dispatch thread consumes: parked on the buffer's lock (<see cref="EventBuffer.WaitToRead"/>) between batches.</summary>
    private static Task<int[]> ConsumeOnThread(EventBuffer buffer, int writers)
    {
        var done = new TaskCompletionSource<int[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                int[] last = [.. Enumerable.Repeat(-1, writers)];
                while (buffer.WaitToRead())
                {
                    Drain(buffer, last);
                }

                done.TrySetResult(last);
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        { IsBackground = true };
        thread.Start();
        return done.Task;
    }

    private static void Drain(EventBuffer buffer, int[] last)
    {
        while (buffer.TryRead(out object? item))
        {
            var e = (EslEvent)item!;
            int writer = int.Parse(e["Writer"]!, CultureInfo.InvariantCulture);
            Assert.Equal(last[writer] + 1, Seq(e));
            last[writer]++;
        }
    }

    /// <summary>
    /// Varies the writer's pace without sleeping: mostly straight on (the consumer is still spinning), sometimes
    /// a yield or a longer busy wait (the consumer has parked), so both sides of the park/wake race are hit.
    /// </summary>
    private static void Vary(Random random)
    {
        switch (random.Next(8))
        {
            case 0:
                Thread.Yield();
                break;
            case 1:
                Thread.SpinWait(random.Next(1, 20_000));
                break;
        }
    }

    private static int Seq(EslEvent e) => int.Parse(e["Seq"]!, CultureInfo.InvariantCulture);

    private static EslEvent Event(int writer, int seq)
    {
        EslEvent e = EslEvent.Create([
            new("Event-Name", "CUSTOM"),
            new("Writer", writer.ToString(CultureInfo.InvariantCulture)),
            new("Seq", seq.ToString(CultureInfo.InvariantCulture))]);
        e.WireSize = 100;
        return e;
    }
}

/// <summary>The hand-off races run with nothing else in parallel.</summary>
[CollectionDefinition(nameof(HandOffStress), DisableParallelization = true)]
public sealed class HandOffStress;
