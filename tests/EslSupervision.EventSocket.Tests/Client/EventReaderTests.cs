using System.Reactive.Subjects;
using EslSupervision.Testing;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>Each consumer has its own bounded buffer: a slow one loses only its own events, counted.</summary>
public class EventReaderTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_blocked_events_subscriber_never_holds_up_a_reader_and_only_its_own_buffer_drops()
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret" });
        var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "lab-secret", EventBufferCapacity = 16 });
        await using (fs)
        await using (client)
        {
            await client.ConnectAsync().WaitAsync(Patience);
            const int count = 200;
            using var gate = new ManualResetEventSlim(false);
            var seen = new List<int>();
            var lastSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using IDisposable slow = client.Events.Subscribe(e =>
            {
                int seq = int.Parse(e["Seq"]!, System.Globalization.CultureInfo.InvariantCulture);
                seen.Add(seq);
                if (seq == 1)
                {
                    stuck.TrySetResult();
                    gate.Wait(Patience); // a subscriber stuck on its first event
                }

                if (seq == count)
                {
                    lastSeen.TrySetResult();
                }
            });
            await using EslEventReader reader = client.CreateEventReader(new EslEventReaderOptions { Capacity = 4096 });
            await client.SubscribeAsync(["HEARTBEAT"]).WaitAsync(Patience);

            fs.PublishEvent([new("Event-Name", "HEARTBEAT"), new("Seq", "1")]);
            await stuck.Task.WaitAsync(Patience);
            for (int i = 2; i <= count; i++)
            {
                fs.PublishEvent([new("Event-Name", "HEARTBEAT"), new("Seq", i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            }

            var read = new List<int>();
            using var cts = new CancellationTokenSource(Patience);
            await foreach (EslEvent e in reader.ReadAllAsync(cts.Token))
            {
                read.Add(int.Parse(e["Seq"]!, System.Globalization.CultureInfo.InvariantCulture));
                if (read.Count == count)
                {
                    break;
                }
            }

            // Everything reached the reader, in order, while the Events subscriber was still stuck.
            Assert.Equal(Enumerable.Range(1, count), read);
            Assert.Equal(0, reader.Dropped);
            Assert.Equal(0, reader.TakeGap());

            gate.Set();
            await lastSeen.Task.WaitAsync(Patience);

            // The stuck subscriber's buffer (16, DropOldest) kept the newest 16 behind the event it was stuck on.
            Assert.Equal([1, .. Enumerable.Range(count - 15, 16)], seen);
            Assert.Equal(count - 17, client.DroppedEvents);
        }
    }

    [Fact]
    public async Task A_reader_buffer_is_bounded_by_bytes_keeps_the_newest_and_reports_the_gap_once()
    {
        using var source = new Subject<EslEvent>();
        await using EslEventReader reader = EslEventReader.FromObservable(source, new EslEventReaderOptions { Capacity = 1024, MaxBytes = 64 * 1024 });
        string body = new('x', 10_000);
        for (int i = 1; i <= 20; i++)
        {
            source.OnNext(EslEvent.Create([new("Event-Name", "CUSTOM"), new("Seq", i.ToString(System.Globalization.CultureInfo.InvariantCulture))], body));
        }

        source.OnCompleted();
        var read = new List<string>();
        await foreach (EslEvent e in reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(Patience).Token))
        {
            read.Add(e["Seq"]!);
        }

        // 64 KiB holds 6 events of ~10 KB: the 14 oldest were dropped, far below the count bound of 1,024.
        Assert.Equal(["15", "16", "17", "18", "19", "20"], read);
        Assert.Equal(14, reader.Dropped);
        Assert.Equal(14, reader.TakeGap());
        Assert.Equal(0, reader.TakeGap());
    }

    [Fact]
    public async Task Drop_newest_keeps_the_oldest_events()
    {
        using var source = new Subject<EslEvent>();
        await using EslEventReader reader = EslEventReader.FromObservable(source, new EslEventReaderOptions { Capacity = 16, OverflowPolicy = EslOverflowPolicy.DropNewest });
        for (int i = 1; i <= 40; i++)
        {
            source.OnNext(EslEvent.Create([new("Event-Name", "CUSTOM"), new("Seq", i.ToString(System.Globalization.CultureInfo.InvariantCulture))]));
        }

        var read = new List<string>();
        while (reader.TryRead(out EslEvent? e))
        {
            read.Add(e["Seq"]!);
        }

        Assert.Equal(Enumerable.Range(1, 16).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), read);
        Assert.Equal(24, reader.Dropped);
    }

    [Fact]
    public async Task Reader_and_buffer_options_out_of_range_are_refused()
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret" });
        var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "lab-secret" });
        await using (fs)
        await using (client)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => client.CreateEventReader(new EslEventReaderOptions { Capacity = 8 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => client.CreateEventReader(new EslEventReaderOptions { MaxBytes = 1000 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => client.CreateEventReader(new EslEventReaderOptions { OverflowPolicy = (EslOverflowPolicy)42 }));
        }

        var result = new EslClientOptionsValidator().Validate(null, new EslClientOptions { Password = "x", EventBufferMaxBytes = 1000 });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("EventBufferMaxBytes", StringComparison.Ordinal));
    }
}
