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

    /// <param name="policy">The overflow policy.</param>
    /// <param name="perConnection">Threads a live connection adds: its read thread, and under Wait its stall watch.</param>
    /// <param name="perClient">Threads the client keeps across connections: the dispatch thread, except under Wait,
    /// whose subscribers are called on the read thread.</param>
    /// <param name="subscribersOn">The thread subscribers are called on.</param>
    [Theory]
    [InlineData(EslOverflowPolicy.DropOldest, 1, 1, "ESL event dispatch")]
    [InlineData(EslOverflowPolicy.Wait, 2, 0, "ESL socket read")]
    public async Task Each_connection_has_threads_that_end_with_it_and_the_client_threads_that_end_on_dispose(EslOverflowPolicy policy, int perConnection, int perClient, string subscribersOn)
    {
        int before = DedicatedThread.Live;
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options(o =>
        {
            o.OverflowPolicy = policy;
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
        for (int round = 0; round < 6; round++)
        {
            string id = "round-" + round;
            Task<EslEvent> arrived = client.Events.FirstAsync(e => e.UniqueId == id).ToTask();
            await connection.EventAsync($"Event-Name: CUSTOM\nUnique-ID: {id}\n");
            await arrived.WaitAsync(Patience);
            Assert.Equal(before + perConnection + perClient, DedicatedThread.Live);

            // The old socket's threads have ended by the time the client says it is reconnecting.
            Task reconnecting = client.StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask();
            connection.Abort();
            await reconnecting.WaitAsync(Patience);
            Assert.Equal(before + perClient, DedicatedThread.Live);

            Task connected = client.StateChanges.FirstAsync(s => s == EslConnectionState.Connected).ToTask();
            connection = await peer.AcceptAuthenticatedAsync();
            await connected.WaitAsync(Patience);
        }

        await client.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(before, DedicatedThread.Live);
        lock (deliveredOn)
        {
            Assert.Equal(6, deliveredOn.Count);
            Assert.All(deliveredOn, t => Assert.Equal((subscribersOn, true), t));
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
