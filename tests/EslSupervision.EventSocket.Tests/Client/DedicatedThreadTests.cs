using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Tests.Support;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// An inbound client reads its socket and calls its Rx subscribers on threads of its own: they must be named and
/// background, and none may outlive its connection (a reconnecting client must not gather one read thread per
/// reconnect) or the client.
/// </summary>
/// <remarks>Counts threads process-wide, so it runs with nothing else in parallel.</remarks>
[Collection(nameof(HandOffStress))]
public class DedicatedThreadTests
{
    private static readonly TimeSpan Patience = ScriptedPeer.Patience;

    [Fact]
    public async Task Each_connection_has_one_read_thread_that_ends_with_it_and_the_client_one_dispatch_thread_that_ends_on_dispose()
    {
        int before = DedicatedThread.Live;
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options(o =>
        {
            o.ReconnectMinDelay = TimeSpan.FromMilliseconds(1);
            o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(5);
        }));
        var deliveredOn = new List<(string? Name, bool Background)>();
        using IDisposable sub = client.Events.Subscribe(_ =>
        {
            lock (deliveredOn)
            {
                deliveredOn.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsBackground));
            }
        });

        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        for (int round = 0; round < 6; round++)
        {
            string id = "round-" + round;
            Task<EslEvent> arrived = client.Events.FirstAsync(e => e.UniqueId == id).ToTask();
            await connection.EventAsync($"Event-Name: CUSTOM\nUnique-ID: {id}\n");
            await arrived.WaitAsync(Patience);
            Assert.Equal(before + 2, DedicatedThread.Live);

            // The old socket's read thread has ended by the time the client says it is reconnecting.
            Task reconnecting = client.StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask();
            connection.Abort();
            await reconnecting.WaitAsync(Patience);
            Assert.Equal(before + 1, DedicatedThread.Live);

            Task connected = client.StateChanges.FirstAsync(s => s == EslConnectionState.Connected).ToTask();
            connection = await peer.AcceptAuthenticatedAsync();
            await connected.WaitAsync(Patience);
        }

        await client.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(before, DedicatedThread.Live);
        lock (deliveredOn)
        {
            Assert.Equal(6, deliveredOn.Count);
            Assert.All(deliveredOn, t => Assert.Equal(("ESL event dispatch", true), t));
        }
    }

    [Fact]
    public async Task Under_the_wait_policy_each_connection_has_a_read_thread_and_a_stall_watch_that_end_with_it()
    {
        // Subscribers are called on the read thread, so no dispatch thread starts; the watch sleeps on a thread of its own.
        int before = DedicatedThread.Live;
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options(o =>
        {
            o.OverflowPolicy = EslOverflowPolicy.Wait;
            o.InlineStallPeriod = TimeSpan.FromMinutes(1); // a descheduled test host is not a stalled subscriber
            o.ReconnectMinDelay = TimeSpan.FromMilliseconds(1);
            o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(5);
        }));
        var deliveredOn = new List<(string? Name, bool Background)>();
        using IDisposable sub = client.Events.Subscribe(_ =>
        {
            lock (deliveredOn)
            {
                deliveredOn.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsBackground));
            }
        });

        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        for (int round = 0; round < 3; round++)
        {
            string id = "round-" + round;
            Task<EslEvent> arrived = client.Events.FirstAsync(e => e.UniqueId == id).ToTask();
            await connection.EventAsync($"Event-Name: CUSTOM\nUnique-ID: {id}\n");
            await arrived.WaitAsync(Patience);
            Assert.Equal(before + 2, DedicatedThread.Live);

            Task reconnecting = client.StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask();
            connection.Abort();
            await reconnecting.WaitAsync(Patience);
            Assert.Equal(before, DedicatedThread.Live);

            Task connected = client.StateChanges.FirstAsync(s => s == EslConnectionState.Connected).ToTask();
            connection = await peer.AcceptAuthenticatedAsync();
            await connected.WaitAsync(Patience);
        }

        await client.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(before, DedicatedThread.Live);
        lock (deliveredOn)
        {
            Assert.Equal(3, deliveredOn.Count);
            Assert.All(deliveredOn, t => Assert.Equal(("ESL socket read", true), t));
        }
    }

    [Fact]
    public async Task A_client_disposed_before_any_subscriber_saw_an_event_never_starts_a_dispatch_thread()
    {
        int before = DedicatedThread.Live;
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options(o => o.Reconnect = false));
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);

        // Nobody subscribed: events go nowhere, and no thread waits for them.
        await connection.EventAsync("Event-Name: CUSTOM\n");
        await using (EslEventReader reader = client.CreateEventReader())
        {
            // The first event may still reach the reader (the peer having written it does not mean the client has read
            // it), so the reader is read up to the event sent after it opened.
            await connection.EventAsync("Event-Name: CUSTOM\nUnique-ID: read\n");
            EslEvent? read = null;
            while (read?.UniqueId != "read")
            {
                Assert.True(await reader.WaitToReadAsync().AsTask().WaitAsync(Patience));
                Assert.True(reader.TryRead(out read));
            }
        }

        Assert.Equal(before + 1, DedicatedThread.Live);
        await client.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(before, DedicatedThread.Live);
    }
}
