using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

public class EventDispatcherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task With_no_stream_subscriber_events_go_only_to_readers_and_a_later_subscriber_sees_what_follows()
    {
        await using var dispatcher = new EventDispatcher(16, 1 << 20, EslOverflowPolicy.DropOldest, NullLogger.Instance, EslMetrics.Shared);
        await using EslEventReader reader = dispatcher.CreateReader(null);

        // One batch of 40 events into 16-event buffers: nobody subscribes to the streams, so their buffer neither
        // fills nor drops; the reader keeps the newest 16 and counts the 24 it lost.
        await dispatcher.PublishAsync([.. Enumerable.Range(0, 40).Select(Event)], CancellationToken.None);

        Assert.Equal(0, dispatcher.Pending);
        Assert.Equal(0, dispatcher.Dropped);
        Assert.Equal(24, reader.TakeGap());
        Assert.True(reader.TryRead(out EslEvent? first));
        Assert.Equal("24", first!["Seq"]);

        // Hot: a subscriber that comes later gets what is published from then on.
        Task<EslEvent> next = dispatcher.Events.FirstAsync().ToTask();
        await dispatcher.PublishAsync([Event(40)], CancellationToken.None);
        Assert.Equal("40", (await next.WaitAsync(Patience))["Seq"]);
    }

    [Fact]
    public async Task An_inline_consumer_gets_every_event_on_the_publishing_thread_even_when_the_buffers_drop_and_nothing_after_dispose()
    {
        await using var dispatcher = new EventDispatcher(16, 1 << 20, EslOverflowPolicy.DropOldest, NullLogger.Instance, EslMetrics.Shared);
        await using EslEventReader reader = dispatcher.CreateReader(null);
        var inline = new List<int>();
        int publisher = Environment.CurrentManagedThreadId;
        bool otherThread = false;
        IDisposable subscription = dispatcher.SubscribeInline(e =>
        {
            otherThread |= Environment.CurrentManagedThreadId != publisher;
            int seq = int.Parse(e["Seq"]!, System.Globalization.CultureInfo.InvariantCulture);
            inline.Add(seq);
            if (seq == 3)
            {
                throw new InvalidOperationException("a consumer bug");
            }
        });

        // 40 events into 16-event buffers: the reader loses 24, the inline consumer none, and its bug on one event
        // stops neither it nor the buffers. Everything is delivered before PublishAsync returns, on this thread.
        ValueTask published = dispatcher.PublishAsync([.. Enumerable.Range(0, 40).Select(Event)], CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 40), inline);
        Assert.False(otherThread);
        await published;
        Assert.Equal(24, reader.TakeGap());

        subscription.Dispose();
        await dispatcher.PublishAsync([Event(40)], CancellationToken.None);
        Assert.Equal(40, inline.Count);
        Assert.True(reader.TryRead(out _));
    }

    private static EslEvent Event(int seq)
        => EslEvent.Create([new("Event-Name", "CUSTOM"), new("Seq", seq.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
}
