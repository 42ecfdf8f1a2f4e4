using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.EventSocket.Tests.Support;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

public class InboundClientTests
{
    private static readonly TimeSpan Patience = ScriptedPeer.Patience;

    private static async Task<(EslInboundClient Client, PeerConnection Peer)> ConnectAsync(ScriptedPeer peer, Action<EslClientOptions>? configure = null)
    {
        var client = new EslInboundClient(peer.Options(configure));
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        return (client, connection);
    }

    [Fact]
    public async Task Connects_and_authenticates_and_reports_its_state()
    {
        await using var peer = new ScriptedPeer();
        var (client, _) = await ConnectAsync(peer);
        await using (client)
        {
            Assert.Equal(EslConnectionState.Connected, client.State);
            Assert.Equal(EslConnectionState.Connected, await client.StateChanges.FirstAsync().ToTask().WaitAsync(Patience));
        }

        Assert.Equal(EslConnectionState.Closed, client.State);
    }

    [Fact]
    public async Task A_wrong_password_is_a_typed_error_that_never_shows_the_password()
    {
        await using var peer = new ScriptedPeer();
        await using var client = new EslInboundClient(peer.Options(o => o.Password = "s3cret-pw"));
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAsync();
        await connection.WriteAsync("Content-Type: auth/request\n\n");
        Assert.Equal("auth s3cret-pw", await connection.ReadCommandAsync());
        await connection.WriteAsync(TestSupport.Captures.Server("inbound-bad-auth").AsSpan("Content-Type: auth/request\n\n".Length).ToArray());

        var error = await Assert.ThrowsAsync<EslAuthenticationException>(() => connecting.WaitAsync(Patience));
        Assert.DoesNotContain("s3cret-pw", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("-ERR invalid", error.Message, StringComparison.Ordinal);
        Assert.Equal(EslConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task An_acl_rejection_is_reported_as_an_authentication_error()
    {
        await using var peer = new ScriptedPeer();
        await using var client = new EslInboundClient(peer.Options());
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAsync();
        await connection.WriteAsync("Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n");
        connection.Dispose();

        await Assert.ThrowsAsync<EslAuthenticationException>(() => connecting.WaitAsync(Patience));
    }

    [Fact]
    public async Task Options_without_a_password_are_refused_at_construction()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new EslInboundClient(new EslClientOptions { Password = "" }));
        Assert.Contains("no default password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_are_pipelined_and_replies_matched_in_send_order()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            Task<EslApiResponse> first = client.ApiAsync("uuid_getvar", "a direction");
            Task<EslApiResponse> second = client.ApiAsync("uuid_getvar", "b direction");
            Task<EslApiResponse> third = client.ApiAsync("status");

            // All three are on the wire before any reply: nothing waits for the previous reply.
            Assert.Equal("api uuid_getvar a direction", await connection.ReadCommandAsync());
            Assert.Equal("api uuid_getvar b direction", await connection.ReadCommandAsync());
            Assert.Equal("api status", await connection.ReadCommandAsync());
            await connection.ApiResponseAsync("inbound");
            await connection.ApiResponseAsync("outbound");
            await connection.ApiResponseAsync("UP 0 years\n");

            Assert.Equal("inbound", (await first.WaitAsync(Patience)).Body);
            Assert.Equal("outbound", (await second.WaitAsync(Patience)).Body);
            Assert.Equal("UP 0 years", (await third.WaitAsync(Patience)).Text);
        }
    }

    [Fact]
    public async Task Events_that_arrive_between_a_command_and_its_reply_go_to_subscribers_not_to_the_command()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            Task<EslEvent> firstEvent = client.Events.FirstAsync().ToTask();
            Task<EslApiResponse> api = client.ApiAsync("status");
            await connection.ReadCommandAsync();
            await connection.EventAsync("Event-Name: CHANNEL_PARK\nUnique-ID: u-1\n");
            await connection.ApiResponseAsync("UP\n");

            Assert.Equal("UP\n", (await api.WaitAsync(Patience)).Body);
            Assert.Equal("CHANNEL_PARK", (await firstEvent.WaitAsync(Patience)).EventName);
        }
    }

    [Fact]
    public async Task A_timed_out_command_keeps_its_place_so_its_late_reply_is_not_taken_by_the_next()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options(o => o.CommandTimeout = TimeSpan.FromSeconds(5)), timeProvider: time);
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        await using (client)
        {
            Task<EslApiResponse> slow = client.ApiAsync("uuid_getvar", "a direction");
            await connection.ReadCommandAsync();
            time.Advance(TimeSpan.FromSeconds(6));
            await Assert.ThrowsAsync<EslTimeoutException>(() => slow.WaitAsync(Patience));

            Task<EslApiResponse> next = client.ApiAsync("uuid_getvar", "b direction");
            await connection.ReadCommandAsync();
            await connection.ApiResponseAsync("late-answer-for-a");
            await connection.ApiResponseAsync("answer-for-b");

            Assert.Equal("answer-for-b", (await next.WaitAsync(Patience)).Body);
        }
    }

    [Fact]
    public async Task Permission_denied_sent_as_command_reply_to_api_fails_that_api_and_keeps_the_order()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            Task<EslApiResponse> denied = client.ApiAsync("hupall");
            Task<EslApiResponse> allowed = client.ApiAsync("status");
            await connection.ReadCommandAsync();
            await connection.ReadCommandAsync();
            await connection.ReplyAsync("-ERR permission denied");
            await connection.ApiResponseAsync("UP\n");

            var error = await Assert.ThrowsAsync<EslCommandException>(() => denied.WaitAsync(Patience));
            Assert.Equal("-ERR permission denied", error.ReplyText);
            Assert.Equal("UP\n", (await allowed.WaitAsync(Patience)).Body);
        }
    }

    [Fact]
    public async Task Everything_pending_fails_at_once_when_the_connection_drops()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, o => o.Reconnect = false);
        await using (client)
        {
            Task<EslApiResponse> a = client.ApiAsync("status");
            Task<EslBackgroundJobResult> job = client.BackgroundApiAsync("status");
            await connection.ReadCommandAsync();
            connection.Abort();

            await Assert.ThrowsAsync<EslConnectionException>(() => a.WaitAsync(Patience));
            await Assert.ThrowsAnyAsync<EslException>(() => job.WaitAsync(Patience));
            await Assert.ThrowsAsync<EslConnectionException>(() => client.ApiAsync("status"));
            Assert.Equal(EslConnectionState.Closed, await client.StateChanges.FirstAsync(s => s == EslConnectionState.Closed).ToTask().WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task A_disconnect_in_the_middle_of_a_frame_closes_cleanly_with_a_reason()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, o => o.Reconnect = false);
        await using (client)
        {
            Task<EslEvent[]> all = client.Events.ToArray().ToTask();
            await connection.WriteAsync("Content-Length: 500\nContent-Type: text/event-plain\n\nEvent-Name: CHANNEL_");
            connection.Dispose();

            var error = await Assert.ThrowsAsync<EslConnectionException>(() => all.WaitAsync(Patience));
            Assert.Contains("middle of a frame", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Malformed_input_closes_the_connection_with_a_protocol_error()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, o => o.Reconnect = false);
        await using (client)
        {
            Task<EslApiResponse> api = client.ApiAsync("status");
            await connection.ReadCommandAsync();
            await connection.WriteAsync("Content-Type: api/response\nContent-Length: -1\n\n");

            var error = await Assert.ThrowsAsync<EslConnectionException>(() => api.WaitAsync(Patience));
            Assert.IsType<EslProtocolException>(error.InnerException);
        }
    }

    [Fact]
    public async Task Bgapi_sends_its_own_job_uuid_and_completes_on_the_matching_background_job()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            Task<EslBackgroundJobResult> job = client.BackgroundApiAsync("status");
            Assert.Equal("event plain BACKGROUND_JOB", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            string command = await connection.ReadCommandAsync();
            string jobUuid = command.Split('\n').Single(l => l.StartsWith("Job-UUID: ", StringComparison.Ordinal))["Job-UUID: ".Length..];
            Assert.StartsWith("bgapi status\n", command, StringComparison.Ordinal);
            await connection.ReplyAsync("+OK Job-UUID: " + jobUuid, "Job-UUID: " + jobUuid + "\n");

            // Another job's event first: it must not complete ours.
            await connection.EventAsync("Event-Name: BACKGROUND_JOB\nJob-UUID: someone-else\n", "+OK other\n");
            Assert.False(job.IsCompleted);
            await connection.EventAsync($"Event-Name: BACKGROUND_JOB\nJob-UUID: {jobUuid}\nJob-Command: status\n", "UP 0 years\n");

            EslBackgroundJobResult result = await job.WaitAsync(Patience);
            Assert.Equal(jobUuid, result.JobUuid);
            Assert.Equal("UP 0 years\n", result.Body);
        }
    }

    [Fact]
    public async Task Execute_completes_on_its_execute_complete_and_fails_when_the_channel_goes_away()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            Task<EslExecution> queued = client.ExecuteAsync("u-1", "answer");
            Assert.Equal("event plain CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            string sendmsg = await connection.ReadCommandAsync();
            Assert.StartsWith("sendmsg u-1\ncall-command: execute\nexecute-app-name: answer\nEvent-UUID: ", sendmsg, StringComparison.Ordinal);
            await connection.ReplyAsync("+OK");
            EslExecution answer = await queued.WaitAsync(Patience);

            Task<EslExecution> queued2 = client.ExecuteAsync("u-1", "eavesdrop", "agent-leg");
            Assert.Contains("execute-app-arg: agent-leg", await connection.ReadCommandAsync(), StringComparison.Ordinal);
            await connection.ReplyAsync("+OK");
            EslExecution eavesdrop = await queued2.WaitAsync(Patience);

            await connection.EventAsync($"Event-Name: CHANNEL_EXECUTE_COMPLETE\nUnique-ID: u-1\nApplication: answer\nApplication-UUID: {answer.EventUuid}\n");
            Assert.Equal("answer", (await answer.Completion.WaitAsync(Patience))["Application"]);

            await connection.EventAsync("Event-Name: CHANNEL_HANGUP_COMPLETE\nUnique-ID: u-1\nHangup-Cause: NORMAL_CLEARING\n");
            var gone = await Assert.ThrowsAsync<EslChannelGoneException>(() => eavesdrop.Completion.WaitAsync(Patience));
            Assert.Equal("eavesdrop", gone.Application);
            Assert.Equal("NORMAL_CLEARING", gone.HangupCause);
        }
    }

    [Fact]
    public async Task Execute_refused_by_the_switch_is_a_command_error()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            Task subscribing = client.SubscribeAsync(["ALL"]);
            Assert.Equal("event plain ALL", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK event listener enabled plain");
            await subscribing.WaitAsync(Patience);

            Task<EslExecution> queued = client.ExecuteAsync("00000000-0000-0000-0000-000000000000", "answer");
            Assert.StartsWith("sendmsg 00000000", await connection.ReadCommandAsync(), StringComparison.Ordinal);
            await connection.ReplyAsync("-ERR invalid session id [00000000-0000-0000-0000-000000000000]");

            var error = await Assert.ThrowsAsync<EslCommandException>(() => queued.WaitAsync(Patience));
            Assert.StartsWith("-ERR invalid session id", error.ReplyText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Long_application_arguments_travel_in_the_body_form()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            string text = "say:" + string.Concat(Enumerable.Repeat("Zoë Ünal 山田 ", 150));
            Task<EslExecution> queued = client.ExecuteAsync("u-1", "speak", text);
            await connection.ReadCommandAsync();
            await connection.ReplyAsync("+OK event listener enabled plain");
            string sendmsg = await connection.ReadCommandAsync();
            await connection.ReplyAsync("+OK");
            await queued.WaitAsync(Patience);

            Assert.DoesNotContain("execute-app-arg", sendmsg, StringComparison.Ordinal);
            Assert.Contains("content-type: text/plain", sendmsg, StringComparison.Ordinal);
            Assert.EndsWith("\n\n" + text, sendmsg, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Injection_attempts_are_refused_before_anything_is_written()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => client.ApiAsync("uuid_getvar", "x\napi hupall"));
            await Assert.ThrowsAsync<ArgumentException>(() => client.ApiAsync("status\n"));
            await Assert.ThrowsAsync<ArgumentException>(() => client.HangupAsync("u-1 hupall"));
            await Assert.ThrowsAsync<ArgumentException>(() => client.ExecuteAsync("u-1", "playback", "a\r\nexecute-app-name: hangup"));
            await Assert.ThrowsAsync<ArgumentException>(() => client.SendEventAsync("CUSTOM", [new("Unique-ID", "u\n\nexit")]));
            await Assert.ThrowsAsync<ArgumentException>(() => client.AddFilterAsync("Unique-ID", "x\nexit"));
            await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync(["CHANNEL_PARK\nexit"]));

            // The next real command is the first thing the switch sees.
            Task<EslApiResponse> status = client.ApiAsync("status");
            Assert.Equal("api status", await connection.ReadCommandAsync());
            await connection.ApiResponseAsync("UP\n");
            await status.WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Sendevent_to_a_channel_returns_the_event_uuid_the_switch_assigned()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer);
        await using (client)
        {
            Task<string> sent = client.SendEventAsync("CUSTOM", [new("Event-Subclass", "esl_supervision::mode"), new("Unique-ID", "sup-1"), new("eavesdrop-command", "2")]);
            Assert.Equal("sendevent CUSTOM\nEvent-Subclass: esl_supervision::mode\nUnique-ID: sup-1\neavesdrop-command: 2", await connection.ReadCommandAsync());
            await connection.ReplyAsync("+OK cbdf0e39-b25d-4618-8d5f-2f66df71e73a");

            Assert.Equal("cbdf0e39-b25d-4618-8d5f-2f66df71e73a", await sent.WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task A_slow_subscriber_never_stalls_the_read_loop_and_drops_are_counted()
    {
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, o => o.EventBufferCapacity = 16);
        await using (client)
        {
            using var release = new ManualResetEventSlim(false);
            var firstSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using IDisposable blocker = client.Events.Subscribe(_ => { firstSeen.TrySetResult(); release.Wait(Patience); });

            await connection.EventAsync("Event-Name: HEARTBEAT\n");
            await firstSeen.Task.WaitAsync(Patience);
            for (int i = 0; i < 200; i++)
            {
                await connection.EventAsync($"Event-Name: HEARTBEAT\nEvent-Sequence: {i}\n");
            }

            // The subscriber is still blocked, yet a command gets its reply.
            Task<EslApiResponse> api = client.ApiAsync("status");
            await connection.ReadCommandAsync();
            await connection.ApiResponseAsync("UP\n");
            Assert.Equal("UP\n", (await api.WaitAsync(Patience)).Body);
            Assert.True(client.DroppedEvents >= 200 - 16, $"dropped {client.DroppedEvents}");
            release.Set();
        }
    }

    [Fact]
    public async Task Reconnects_with_backoff_restores_subscriptions_and_filters_and_keeps_the_event_stream()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var logs = new RecordingLoggerFactory();
        var client = new EslInboundClient(
            peer.Options(o => { o.ReconnectMinDelay = TimeSpan.FromSeconds(1); o.ReconnectMaxDelay = TimeSpan.FromSeconds(8); }),
            logs,
            time);
        Task connecting = client.ConnectAsync();
        PeerConnection first = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        await using (client)
        {
            var states = new List<EslConnectionState>();
            using IDisposable watch = client.StateChanges.Subscribe(s => { lock (states) { states.Add(s); } });
            Task<EslEvent> firstEventAfterReconnect = client.Events.FirstAsync(e => e.EventName == "CHANNEL_PARK").ToTask();

            Task subscribing = client.SubscribeAsync(["CHANNEL_PARK", "CHANNEL_APPLICATION"], ["esl_supervision::mode"]);
            Assert.Equal("event plain CHANNEL_PARK CHANNEL_APPLICATION CUSTOM esl_supervision::mode", await first.ReadCommandAsync());
            await first.ReplyAsync("+OK event listener enabled plain");
            await subscribing.WaitAsync(Patience);
            Task filtering = client.AddFilterAsync("Event-Name", "CHANNEL_PARK");
            Assert.Equal("filter Event-Name CHANNEL_PARK", await first.ReadCommandAsync());
            await first.ReplyAsync("+OK filter added. [Event-Name]=[CHANNEL_PARK]");
            await filtering.WaitAsync(Patience);

            first.Abort();
            await client.StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask().WaitAsync(Patience);
            await Assert.ThrowsAsync<EslConnectionException>(() => client.ApiAsync("status"));

            // The first attempt waits between 0.5 and 1 s: nothing connects before the clock moves.
            await logs.WaitForAsync(1001);
            Task<PeerConnection> accepting = peer.AcceptAsync();
            Assert.False(accepting.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(1));
            PeerConnection second = await accepting;
            await second.WriteAsync("Content-Type: auth/request\n\n");
            Assert.Equal("auth lab-secret", await second.ReadCommandAsync());
            await second.ReplyAsync("+OK accepted");
            Assert.Equal("event plain CHANNEL_PARK CHANNEL_APPLICATION CUSTOM esl_supervision::mode", await second.ReadCommandAsync());
            await second.ReplyAsync("+OK event listener enabled plain");
            Assert.Equal("filter Event-Name CHANNEL_PARK", await second.ReadCommandAsync());
            await second.ReplyAsync("+OK filter added. [Event-Name]=[CHANNEL_PARK]");

            await client.StateChanges.FirstAsync(s => s == EslConnectionState.Connected).ToTask().WaitAsync(Patience);
            await second.EventAsync("Event-Name: CHANNEL_PARK\nUnique-ID: after\n");
            Assert.Equal("after", (await firstEventAfterReconnect.WaitAsync(Patience)).UniqueId);
            lock (states)
            {
                Assert.Equal([EslConnectionState.Connected, EslConnectionState.Reconnecting, EslConnectionState.Connected], states);
            }
        }
    }

    [Fact]
    public async Task Failed_reconnection_attempts_back_off_exponentially()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        EslInboundClient.JitterSource = () => 1.0;
        try
        {
            var logs = new RecordingLoggerFactory();
            var client = new EslInboundClient(peer.Options(o => { o.ReconnectMinDelay = TimeSpan.FromSeconds(1); o.ReconnectMaxDelay = TimeSpan.FromSeconds(4); }), logs, time);
            Task connecting = client.ConnectAsync();
            PeerConnection first = await peer.AcceptAuthenticatedAsync();
            await connecting.WaitAsync(Patience);
            await using (client)
            {
                first.Abort();
                await client.StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask().WaitAsync(Patience);

                // Attempts at +1 s, then +2 s, then +4 s, then +4 s (the cap); each refused by closing at once.
                int attempt = 0;
                foreach (int seconds in new[] { 1, 2, 4, 4 })
                {
                    await logs.WaitForAsync(1001, ++attempt);
                    Task<PeerConnection> accepting = peer.AcceptAsync();
                    time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
                    Assert.False(accepting.IsCompleted, $"attempt came before {seconds} s");
                    time.Advance(TimeSpan.FromMilliseconds(1));
                    PeerConnection refused = await accepting;
                    refused.Abort();
                }

                await logs.WaitForAsync(1001, 5);
                Assert.Equal(EslConnectionState.Reconnecting, client.State);
            }
        }
        finally
        {
            EslInboundClient.JitterSource = null;
        }
    }
}
