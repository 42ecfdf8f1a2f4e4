using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.EventSocket.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// The liveness HEARTBEAT subscription never goes on the wire ahead of the caller's own: a peer may start streaming on
/// the first <c>event</c> command, and a caller who subscribed to <c>Events</c> before its <c>SubscribeAsync</c> must
/// get everything. An idle connection still subscribes HEARTBEAT after a short grace, so liveness keeps working.
/// </summary>
public class DeferredLivenessTests
{
    private static readonly TimeSpan Patience = ScriptedPeer.Patience;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private static async Task<(EslInboundClient Client, PeerConnection Peer)> ConnectAsync(ScriptedPeer peer, FakeTimeProvider time, TimeSpan? livenessTimeout = null, RecordingLoggerFactory? logs = null)
    {
        var client = new EslInboundClient(
            peer.Options(o =>
            {
                o.LivenessTimeout = livenessTimeout ?? TimeSpan.FromSeconds(60);
                o.ReconnectMinDelay = TimeSpan.FromSeconds(1);
                o.ReconnectMaxDelay = TimeSpan.FromSeconds(1);
            }),
            logs,
            time);
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        return (client, connection);
    }

    /// <summary>Proves nothing else was written before now: the next command on the wire is this one.</summary>
    private static async Task AssertNextCommandIsApiStatusAsync(EslInboundClient client, PeerConnection connection)
    {
        Task<EslApiResponse> api = client.ApiAsync("status");
        Assert.Equal("api status", await connection.ReadCommandAsync());
        await connection.ApiResponseAsync("UP\n");
        await api.WaitAsync(Patience);
    }

    [Fact]
    public async Task The_first_subscription_carries_heartbeat_and_is_the_first_event_command_on_the_wire()
    {
        var time = new FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, time);
        await using (client)
        {
            Task subscribing = client.SubscribeAsync(["CHANNEL_PARK"]);
            Assert.Equal("event plain CHANNEL_PARK HEARTBEAT", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            await subscribing.WaitAsync(Patience);

            // Well past the grace: no standalone HEARTBEAT subscription follows, liveness is already subscribed.
            time.Advance(Grace * 2);
            await AssertNextCommandIsApiStatusAsync(client, connection);
        }
    }

    [Theory]
    [InlineData("ALL", "event plain ALL")]
    [InlineData("all", "event plain all")]
    [InlineData("heartbeat CHANNEL_PARK", "event plain heartbeat CHANNEL_PARK")]
    public async Task A_subscription_that_already_covers_heartbeat_is_written_as_asked(string names, string expected)
    {
        var time = new FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, time);
        await using (client)
        {
            Task subscribing = client.SubscribeAsync(names.Split(' '));
            Assert.Equal(expected, await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            await subscribing.WaitAsync(Patience);

            time.Advance(Grace * 2);
            await AssertNextCommandIsApiStatusAsync(client, connection);
        }
    }

    [Theory]
    [InlineData(60, 5000)]
    [InlineData(8, 2000)]
    public async Task An_idle_connection_subscribes_heartbeat_once_after_the_grace(int livenessSeconds, int graceMs)
    {
        var time = new FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var logs = new RecordingLoggerFactory();
        var (client, connection) = await ConnectAsync(peer, time, TimeSpan.FromSeconds(livenessSeconds), logs);
        await using (client)
        {
            // Just before the grace (min(5 s, LivenessTimeout / 4)) nothing but the caller's own command is written.
            time.Advance(TimeSpan.FromMilliseconds(graceMs) - TimeSpan.FromTicks(1));
            await AssertNextCommandIsApiStatusAsync(client, connection);

            time.Advance(TimeSpan.FromTicks(1));
            Assert.Equal("event plain HEARTBEAT", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            await logs.WaitForAsync(1016).WaitAsync(Patience);

            // Exactly one: later grace periods write nothing more, and the next subscription is no longer extended.
            time.Advance(TimeSpan.FromMilliseconds(graceMs));
            await AssertNextCommandIsApiStatusAsync(client, connection);
            Task subscribing = client.SubscribeAsync(["CHANNEL_PARK"]);
            Assert.Equal("event plain CHANNEL_PARK", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            await subscribing.WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task A_reconnect_replays_heartbeat_with_the_callers_events_in_one_command()
    {
        var time = new FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var logs = new RecordingLoggerFactory();
        var (client, first) = await ConnectAsync(peer, time, logs: logs);
        await using (client)
        {
            Task subscribing = client.SubscribeAsync(["CHANNEL_PARK", "CHANNEL_HANGUP"]);
            Assert.Equal("event plain CHANNEL_PARK CHANNEL_HANGUP HEARTBEAT", await first.ReadCommandAsync());
            await first.ReplyAsync("+OK event listener enabled plain");
            await subscribing.WaitAsync(Patience);

            first.Abort();

            // The backoff timer is running once 1001 is logged.
            await logs.WaitForAsync(1001);
            Task<PeerConnection> accepting = peer.AcceptAuthenticatedAsync();
            time.Advance(TimeSpan.FromSeconds(1));
            PeerConnection second = await accepting;

            string replay = await second.ReadCommandAsync();
            Assert.StartsWith("event plain ", replay, StringComparison.Ordinal);
            Assert.Equal(["CHANNEL_HANGUP", "CHANNEL_PARK", "HEARTBEAT"], replay["event plain ".Length..].Split(' ').Order(StringComparer.Ordinal));
            Task connected = client.StateChanges.FirstAsync(s => s == EslConnectionState.Connected).ToTask();
            await second.ReplyAsync("+OK event listener enabled plain");
            await connected.WaitAsync(Patience);

            time.Advance(Grace * 2);
            await AssertNextCommandIsApiStatusAsync(client, second);
        }
    }

    [Fact]
    public async Task A_refused_first_subscription_leaves_liveness_pending_so_the_grace_still_subscribes_heartbeat()
    {
        var time = new FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, time);
        await using (client)
        {
            Task subscribing = client.SubscribeAsync(["CHANNEL_PARK"]);
            Assert.Equal("event plain CHANNEL_PARK HEARTBEAT", await connection.ReadCommandAsync());
            await connection.ReplyAsync("-ERR no keywords supplied");
            await Assert.ThrowsAsync<EslCommandException>(() => subscribing.WaitAsync(Patience));

            time.Advance(Grace);
            Assert.Equal("event plain HEARTBEAT", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            await AssertNextCommandIsApiStatusAsync(client, connection);
        }
    }

    [Fact]
    public async Task The_librarys_own_subscription_for_bgapi_carries_heartbeat_too()
    {
        var time = new FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, time);
        await using (client)
        {
            Task<EslBackgroundJobResult> job = client.BackgroundApiAsync("status");
            Assert.Equal("event plain BACKGROUND_JOB HEARTBEAT", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            string command = await connection.ReadCommandAsync();
            string jobUuid = command.Split('\n').Single(l => l.StartsWith("Job-UUID: ", StringComparison.Ordinal))["Job-UUID: ".Length..];
            await connection.ReplyAsync("+OK Job-UUID: " + jobUuid, "Job-UUID: " + jobUuid + "\n");
            await connection.EventAsync($"Event-Name: BACKGROUND_JOB\nJob-UUID: {jobUuid}\nJob-Command: status\n", "UP 0 years\n");
            Assert.Equal("UP 0 years\n", (await job.WaitAsync(Patience)).Body);

            time.Advance(Grace * 2);
            await AssertNextCommandIsApiStatusAsync(client, connection);
        }
    }
}
