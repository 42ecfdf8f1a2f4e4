using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.EventSocket.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// The streams keep the Rx contract whatever subscribers do and however the connection ends: one terminal call per
/// subscriber, no subscriber exception inside the library, a DisposeAsync that never throws; and no task the library
/// started is left with an unobserved exception (the assembly fixture fails the run otherwise).
/// </summary>
public class RxContractTests
{
    private static readonly TimeSpan Patience = ScriptedPeer.Patience;

    private static async Task<(EslInboundClient Client, PeerConnection Peer)> ConnectAsync(ScriptedPeer peer, Action<EslClientOptions>? configure = null, RecordingLoggerFactory? logs = null, TimeProvider? time = null)
    {
        var client = new EslInboundClient(peer.Options(configure), logs, time);
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        return (client, connection);
    }

    [Fact]
    public async Task Every_stream_ends_exactly_once_when_the_connection_drops_while_the_client_is_disposed_twice_at_once()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, o => o.Reconnect = false);
        var events = new TerminalCounter<EslEvent>();
        var logs = new TerminalCounter<EslLogLine>();
        var notices = new TerminalCounter<EslDisconnectNotice>();
        var states = new TerminalCounter<EslConnectionState>();
        using var s1 = client.Events.Subscribe(events);
        using var s2 = client.Logs.Subscribe(logs);
        using var s3 = client.DisconnectNotices.Subscribe(notices);
        using var s4 = client.StateChanges.Subscribe(states);

        connection.Abort();
        ValueTask first = client.DisposeAsync();
        ValueTask second = client.DisposeAsync();
        await first.AsTask().WaitAsync(Patience);
        await second.AsTask().WaitAsync(Patience);
        await client.DisposeAsync();

        await Task.WhenAll(events.Ended, logs.Ended, notices.Ended, states.Ended).WaitAsync(Patience);
        Assert.Equal(1, events.Terminals);
        Assert.Equal(1, logs.Terminals);
        Assert.Equal(1, notices.Terminals);
        Assert.Equal(1, states.Terminals);
        Assert.Equal(EslConnectionState.Closed, client.State);

        // A late subscriber to a closed client is told the stream is over, not thrown at.
        var late = new TerminalCounter<EslEvent>();
        using var s5 = client.Events.Subscribe(late);
        await late.Ended.WaitAsync(Patience);
        Assert.Equal(1, late.Terminals);
    }

    [Theory]
    [InlineData(EslOverflowPolicy.DropOldest)]
    [InlineData(EslOverflowPolicy.Wait)] // subscribers called on the read thread
    public async Task Subscribers_that_throw_never_reach_the_library_and_the_others_still_get_everything(EslOverflowPolicy policy)
    {
        await using var peer = new ScriptedPeer();
        var recorded = new RecordingLoggerFactory();
        var (client, connection) = await ConnectAsync(peer, o => { o.Reconnect = false; o.OverflowPolicy = policy; }, recorded);

        // Rx's Subscribe(onNext) rethrows OnError: a subscriber like this would otherwise blow up the read loop's end.
        using var bad1 = client.Events.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        using var bad2 = client.StateChanges.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        var good = new TerminalCounter<EslEvent>();
        using var s = client.Events.Subscribe(good);
        Task<EslEvent> received = client.Events.FirstAsync().ToTask();

        await connection.EventAsync("Event-Name: CHANNEL_PARK\nUnique-ID: a\n");
        Assert.Equal("CHANNEL_PARK", (await received.WaitAsync(Patience)).EventName);
        await recorded.WaitForAsync(1054);

        connection.Abort();
        await good.Ended.WaitAsync(Patience);
        Assert.IsType<EslConnectionException>(good.Error);
        await client.StateChanges.FirstAsync(st => st == EslConnectionState.Closed).ToTask().WaitAsync(Patience);
        await client.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(1, good.Terminals);
    }

    [Theory]
    [InlineData(EslOverflowPolicy.DropOldest)]
    [InlineData(EslOverflowPolicy.Wait)] // the callback runs on the read thread itself
    public async Task A_subscriber_that_disposes_the_client_from_its_callback_gets_one_clean_end_of_the_stream_and_the_dispose_completes(EslOverflowPolicy policy)
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, o => { o.Reconnect = false; o.OverflowPolicy = policy; });

        // Held to the end: a peer socket left to the finalizer closes with unread bytes (a reset), which the client
        // would rightly report as a lost connection before its dispose began.
        using PeerConnection peerSide = connection;
        var events = new TerminalCounter<EslEvent>();
        using var s = client.Events.Subscribe(events);
        var disposing = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<string?>();

        // Called from the delivery loop itself: the dispose cannot wait for that loop to end here (it is running this
        // callback), so it must finish once the callback has returned, not hang and not deliver after the end.
        using var stopper = client.Events.Subscribe(e =>
        {
            lock (seen)
            {
                seen.Add(e.UniqueId);
            }

            if (e.UniqueId == "stop")
            {
                disposing.TrySetResult(client.DisposeAsync().AsTask());
            }
        });

        await connection.WriteAsync(Frame("before") + Frame("stop") + Frame("after"));
        await (await disposing.Task.WaitAsync(Patience)).WaitAsync(Patience);
        await events.Ended.WaitAsync(Patience);
        Assert.Equal(1, events.Terminals);
        Assert.Null(events.Error);
        Assert.Equal(EslConnectionState.Closed, client.State);
        lock (seen)
        {
            Assert.Equal("before", seen[0]);
            Assert.Equal("stop", seen[1]);
            Assert.InRange(seen.Count, 2, 3);
        }

        static string Frame(string id)
        {
            string body = $"Event-Name: CUSTOM\nUnique-ID: {id}\n\n";
            return $"Content-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}\nContent-Type: text/event-plain\n\n{body}";
        }
    }

    [Fact]
    public async Task DisposeAsync_while_reconnecting_stops_for_good_without_throwing()
    {
        await using var peer = new ScriptedPeer();
        var time = new FakeTimeProvider();
        var recorded = new RecordingLoggerFactory();
        var (client, connection) = await ConnectAsync(peer, o => { o.ReconnectMinDelay = TimeSpan.FromSeconds(5); o.ReconnectMaxDelay = TimeSpan.FromSeconds(5); }, recorded, time);
        var events = new TerminalCounter<EslEvent>();
        using var s = client.Events.Subscribe(events);

        connection.Abort();
        await recorded.WaitForAsync(1001);
        Assert.Equal(EslConnectionState.Reconnecting, client.State);

        await client.DisposeAsync().AsTask().WaitAsync(Patience);
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(EslConnectionState.Closed, client.State);
        await events.Ended.WaitAsync(Patience);
        Assert.Equal(1, events.Terminals);
        await Assert.ThrowsAsync<EslConnectionException>(() => client.ApiAsync("status"));
    }

    [Fact]
    public async Task ConnectAsync_during_a_reconnect_back_off_leaves_one_connection_and_the_loop_stops()
    {
        // Both used to adopt a connection of their own: two live sockets on one client, each feeding the same streams.
        await using var peer = new ScriptedPeer();
        var time = new FakeTimeProvider();
        var recorded = new RecordingLoggerFactory();
        var (client, first) = await ConnectAsync(peer, o => { o.ReconnectMinDelay = TimeSpan.FromSeconds(5); o.ReconnectMaxDelay = TimeSpan.FromSeconds(5); }, recorded, time);
        await using (client)
        {
            first.Abort();
            await recorded.WaitForAsync(1001); // back-off timer running
            Task connecting = client.ConnectAsync();
            using PeerConnection second = await peer.AcceptAuthenticatedAsync();
            await connecting.WaitAsync(Patience);

            // The back-off ends: the loop finds the client connected and stops instead of opening another socket.
            time.Advance(TimeSpan.FromSeconds(10));
            await recorded.WaitForAsync(1058);
            Assert.Equal(EslConnectionState.Connected, client.State);

            Task<EslApiResponse> status = client.ApiAsync("status");
            Assert.Equal("api status", await second.ReadCommandAsync());
            await second.ApiResponseAsync("UP 0 years");
            Assert.Equal("UP 0 years", (await status.WaitAsync(Patience)).Body);
        }
    }

    [Fact]
    public async Task Bgapi_and_execute_in_flight_when_the_connection_drops_fail_with_a_connection_error()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, o => o.Reconnect = false);
        await using (client)
        {
            Task<EslBackgroundJobResult> job = client.BackgroundApiAsync("status");
            Task<EslExecution> execution = client.ExecuteAsync("0b7c1d4e-8d3f-4a53-9a1f-3c2f9c1e0a11", "answer");
            for (int i = 0; i < 4; i++)
            {
                // The subscriptions each adds for its own correlation, the bgapi and the sendmsg: none answered.
                await connection.ReadCommandAsync();
            }

            connection.Abort();

            await Assert.ThrowsAsync<EslConnectionException>(() => job.WaitAsync(Patience));
            await Assert.ThrowsAsync<EslConnectionException>(() => execution.WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task A_timed_out_command_followed_by_a_close_leaves_nothing_unobserved()
    {
        await using var peer = new ScriptedPeer();
        var time = new FakeTimeProvider();
        var (client, connection) = await ConnectAsync(peer, o => { o.Reconnect = false; o.CommandTimeout = TimeSpan.FromSeconds(1); }, time: time);
        await using (client)
        {
            Task<EslApiResponse> stuck = client.ApiAsync("status");
            await connection.ReadCommandAsync();
            time.Advance(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAsync<EslTimeoutException>(() => stuck.WaitAsync(Patience));

            // The abandoned reply slot is failed by the close; nobody waits for it any more.
            connection.Abort();
            await client.StateChanges.FirstAsync(s => s == EslConnectionState.Closed).ToTask().WaitAsync(Patience);
        }
    }

    /// <summary>Counts terminal calls and remembers the error.</summary>
    private sealed class TerminalCounter<T> : IObserver<T>
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _terminals;

        public Task Ended => _ended.Task;

        public int Terminals => Volatile.Read(ref _terminals);

        public Exception? Error { get; private set; }

        public void OnNext(T value)
        {
        }

        public void OnError(Exception error)
        {
            Error = error;
            Interlocked.Increment(ref _terminals);
            _ended.TrySetResult();
        }

        public void OnCompleted()
        {
            Interlocked.Increment(ref _terminals);
            _ended.TrySetResult();
        }
    }
}
