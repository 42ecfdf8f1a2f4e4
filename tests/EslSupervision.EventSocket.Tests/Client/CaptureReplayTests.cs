using System.Net.Sockets;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.EventSocket.Tests.Support;
using EslSupervision.TestSupport;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>The public client driven through real FreeSWITCH 1.10.12 conversations.</summary>
public class CaptureReplayTests
{
    private static readonly TimeSpan Patience = ScriptedPeer.Patience;

    [Theory]
    [InlineData(EslOverflowPolicy.DropOldest)]
    [InlineData(EslOverflowPolicy.Wait)] // subscribers called on the read thread, up to the switch's goodbye
    public async Task The_inbound_commands_conversation_gives_every_reply_its_right_meaning(EslOverflowPolicy policy)
    {
        await using var peer = new ScriptedPeer();
        var replay = new CaptureReplay(Captures.Server("inbound-commands"));
        await using var client = new EslInboundClient(peer.Options(o => { o.Reconnect = false; o.OverflowPolicy = policy; }));
        Task connecting = client.ConnectAsync();
        PeerConnection switchSide = await peer.AcceptAsync();
        await replay.SendGreetingAsync(switchSide);
        await replay.ServeAsync(switchSide);
        await connecting.WaitAsync(Patience);

        async Task<T> Run<T>(Task<T> call) { await replay.ServeAsync(switchSide); return await call.WaitAsync(Patience); }
        async Task Do(Task call) { await replay.ServeAsync(switchSide); await call.WaitAsync(Patience); }

        Task<EslEvent> bridge = client.Events.FirstAsync(e => e.EventName == "CHANNEL_BRIDGE").ToTask();
        await Do(client.SubscribeAsync(["BACKGROUND_JOB", "CHANNEL_BRIDGE"]));
        await replay.SendUntilNextReplyAsync(switchSide);
        Assert.Equal("70e3ceb7-479b-4d25-93f2-8236327ad48c", (await bridge.WaitAsync(Patience)).UniqueId);

        Assert.StartsWith("UP 0 years", (await Run(client.ApiAsync("status"))).Body, StringComparison.Ordinal);
        Assert.Contains("\"row_count\":2", (await Run(client.ApiAsync("show", "channels as json"))).Body, StringComparison.Ordinal);
        Assert.Contains("\"row_count\":1", (await Run(client.ApiAsync("show", "calls as json"))).Body, StringComparison.Ordinal);
        Assert.StartsWith("uuid,direction", (await Run(client.ApiAsync("show", "channels"))).Body, StringComparison.Ordinal);
        await Run(client.ApiAsync("show", "channels"));
        Assert.StartsWith("Event-Name: CHANNEL_DATA", (await Run(client.ApiAsync("uuid_dump", "70e3ceb7-479b-4d25-93f2-8236327ad48c"))).Body, StringComparison.Ordinal);
        Assert.StartsWith("{\"Event-Name\":\"CHANNEL_DATA\"", (await Run(client.ApiAsync("uuid_dump", "70e3ceb7-479b-4d25-93f2-8236327ad48c json"))).Body, StringComparison.Ordinal);
        Assert.Equal("1004", (await Run(client.ApiAsync("uuid_getvar", "70e3ceb7-479b-4d25-93f2-8236327ad48c dialed_user"))).Text);

        EslApiResponse notFound = await Run(client.ApiAsync("no_such_command", "at all"));
        Assert.True(notFound.IsError);
        Assert.Equal("-ERR no_such_command Command not found!", notFound.Text);
        Assert.True((await Run(client.ApiAsync("uuid_kill", "00000000-0000-0000-0000-000000000000"))).IsError);

        replay.Skip(3); // bgapi (its Job-UUID is chosen by the capture's client) and sendmsg to a missing channel.

        Task<EslEvent> hangupJson = client.Events.FirstAsync(e => e.Format == EslEventFormat.Json).ToTask();
        await Do(client.SubscribeAsync(["CHANNEL_HANGUP_COMPLETE"], format: EslEventFormat.Json));
        await Do(client.AddFilterAsync("Event-Name", "CHANNEL_HANGUP_COMPLETE"));
        await Do(client.RemoveFilterAsync("Event-Name", "CHANNEL_HANGUP_COMPLETE"));
        await Do(client.UnsubscribeAsync(["CHANNEL_HANGUP_COMPLETE"]));
        await Do(client.SubscribeAsync(["CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"], format: EslEventFormat.Json));
        Task<EslLogLine> firstLog = client.Logs.FirstAsync().ToTask();
        await Do(client.EnableLogsAsync("info"));
        await Do(client.DisableLogsAsync());

        Assert.Equal("NORMAL_CLEARING", (await hangupJson.WaitAsync(Patience))["Hangup-Cause"]);
        EslLogLine log = await firstLog.WaitAsync(Patience);
        Assert.Equal("sofia.c", log.File);
        Assert.Equal(5, log.Level);

        Task<EslDisconnectNotice> notice = client.DisconnectNotices.FirstAsync().ToTask();
        await Do(client.ExitAsync());
        await replay.SendRestAsync(switchSide);
        Assert.False((await notice.WaitAsync(Patience)).IsLinger);
        Assert.Equal(EslConnectionState.Closed, await client.StateChanges.FirstAsync(s => s == EslConnectionState.Closed).ToTask().WaitAsync(Patience));

        // Bytes the client wrote for the same commands are the captured client's bytes.
        string captured = System.Text.Encoding.UTF8.GetString(Captures.Client("inbound-commands"));
        foreach (string command in replay.CommandsReceived)
        {
            Assert.Contains(command + "\n\n", captured, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_outbound_session_from_the_capture_connects_runs_the_supervision_set_up_and_lingers()
    {
        var replay = new CaptureReplay(Captures.Server("outbound-socket-session"));
        var sessionDone = new TaskCompletionSource<(EslEvent Data, EslEvent EavesdropEnd, EslDisconnectNotice[] Notices)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = new EslOutboundListener(
            new EslOutboundListenerOptions { Port = 0 },
            async (session, ct) =>
            {
                try
                {
                    Task<EslDisconnectNotice[]> notices = session.DisconnectNotices.ToArray().ToTask();
                    Task<EslEvent> digitPressed = session.Events.FirstAsync(e => e.EventName == "CHANNEL_APPLICATION").ToTask();
                    EslEvent data = await session.ConnectAsync(ct);
                    await session.MyEventsAsync(cancellationToken: ct);
                    await session.LingerAsync(TimeSpan.FromSeconds(5), ct);
                    await session.SubscribeAsync(["CHANNEL_APPLICATION"], ["esl_supervision::mode"], cancellationToken: ct);
                    await session.ExecuteAsync("answer", cancellationToken: ct);
                    await session.ExecuteAsync("set", "eavesdrop_enable_dtmf=false", cancellationToken: ct);
                    foreach (char digit in "012")
                    {
                        await session.ExecuteAsync("bind_digit_action", $"esl_supervision,{digit},exec[i]:event,ESL-Supervision-Digit={digit}", cancellationToken: ct);
                    }

                    await session.ExecuteAsync("digit_action_set_realm", "esl_supervision", cancellationToken: ct);
                    EslExecution eavesdrop = await session.ExecuteAsync("eavesdrop", "0106228f-b61e-4bba-bfc3-c0ac7de07f54", new EslExecuteOptions { EventUuid = "4758bdf9-1a4e-4e8d-a410-93af5611967f" }, ct);
                    EslEvent digit1 = await digitPressed.WaitAsync(Patience, ct);
                    Assert.Equal("1", digit1["ESL-Supervision-Digit"]);
                    await session.SendEventAsync("CUSTOM", [new("Event-Subclass", "esl_supervision::mode"), new("Unique-ID", session.UniqueId!), new("eavesdrop-command", "2")], cancellationToken: ct);
                    EslEvent end = await eavesdrop.Completion.WaitAsync(Patience, ct);
                    await session.ExecuteAsync("hangup", "NORMAL_CLEARING", cancellationToken: ct);
                    await session.Completion.WaitAsync(Patience, ct);
                    sessionDone.TrySetResult((data, end, await notices.WaitAsync(Patience, ct)));
                }
                catch (Exception ex)
                {
                    sessionDone.TrySetException(ex);
                }
            });
        await listener.StartAsync();

        using var fakeSwitch = new TcpClient();
        await fakeSwitch.ConnectAsync(listener.LocalEndPoint!);
        using var connection = new PeerConnection(fakeSwitch);
        Task serving = Task.Run(async () =>
        {
            // connect, myevents, linger, event, then the seven set-up sendmsg; the key press follows unprompted.
            for (int i = 0; i < 11; i++)
            {
                await replay.ServeAsync(connection);
            }

            await replay.SendUntilNextReplyAsync(connection);
            await replay.ServeAsync(connection); // sendevent
            await replay.SendUntilNextReplyAsync(connection); // the agent hung up: eavesdrop completes
            await replay.ServeAsync(connection); // hangup
            await replay.SendRestAsync(connection);
            connection.Dispose();
        });

        var (channel, eavesdropEnd, disconnects) = await sessionDone.Task.WaitAsync(Patience);
        await serving.WaitAsync(Patience);

        Assert.Equal("ed88f1e2-4dc8-4914-9149-4c0b4fd2b03a", channel.UniqueId);
        Assert.Equal("+OK\n", channel["Reply-Text"]);
        Assert.Equal("1010", channel.GetVariable("user_name"));
        Assert.Equal("*811004", channel["Caller-Destination-Number"]);
        Assert.Equal("full", channel["Control"]);
        Assert.Equal("eavesdrop", eavesdropEnd["Application"]);
        Assert.Equal(2, disconnects.Length);
        Assert.True(disconnects[0].IsLinger);
        Assert.Equal(5, disconnects[0].LingerTime);
        Assert.False(disconnects[1].IsLinger);
        Assert.StartsWith("Disconnected, goodbye.", disconnects[1].Text, StringComparison.Ordinal);

        string captured = System.Text.Encoding.UTF8.GetString(Captures.Client("outbound-socket-session"));
        Assert.Equal(["connect", "myevents", "linger 5", "event plain CHANNEL_APPLICATION CUSTOM esl_supervision::mode"], replay.CommandsReceived.Take(4));
        Assert.All(replay.CommandsReceived.Take(4), c => Assert.Contains(c + "\n\n", captured, StringComparison.Ordinal));
        Assert.Contains("eavesdrop-command: 2", replay.CommandsReceived[11], StringComparison.Ordinal);
    }
}
