using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using Moq;

namespace EslSupervision.Tests.Calls;

public class CallRegistryResyncTests
{
    internal const string SupervisorLeg = "4cb3fecc-55e9-4b7e-9ce7-2dcececaf1ef";
    internal const string AgentLeg = "864e5ad6-c9a5-4587-bb8d-cf5cf393235a";
    internal const string ClientLeg = "cae147de-5ff6-4238-b1a4-df0d3d5c0170";

    /// <summary>A connection answering with the replies captured in resync-during-supervision.</summary>
    internal static Mock<IEslConnection> CapturedSwitch(string? clientDump = null)
    {
        IReadOnlyList<string> replies = CaptureReplay.Load("resync-during-supervision").ApiResponses;
        var connection = new Mock<IEslConnection>(MockBehavior.Strict);
        Respond(connection, "show", "channels as json", replies[0]);
        Respond(connection, "show", "calls as json", replies[1]);
        Respond(connection, "uuid_dump", SupervisorLeg + " json", replies[2]);
        Respond(connection, "uuid_dump", AgentLeg + " json", replies[4]);

        // The capture holds no dump of the client's leg; the switch would give one without identity variables.
        Respond(connection, "uuid_dump", ClientLeg + " json", clientDump ?? $$"""{"Unique-ID":"{{ClientLeg}}","Call-Direction":"inbound","Answer-State":"answered"}""");
        return connection;
    }

    private static void Respond(Mock<IEslConnection> connection, string command, string arguments, string body)
        => connection.Setup(c => c.ApiAsync(command, arguments, It.IsAny<CancellationToken>())).ReturnsAsync(new EslApiResponse(body));

    [Fact]
    public void The_capture_holds_the_replies_this_test_relies_on()
    {
        IReadOnlyList<string> replies = CaptureReplay.Load("resync-during-supervision").ApiResponses;
        Assert.StartsWith("{\"row_count\":3", replies[0], StringComparison.Ordinal);
        Assert.StartsWith("{\"row_count\":2", replies[1], StringComparison.Ordinal);
        Assert.Contains(SupervisorLeg, replies[2], StringComparison.Ordinal);
        Assert.Contains(AgentLeg, replies[4], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Finds_the_running_supervision_its_agent_and_stored_mode()
    {
        using var registry = new CallRegistry();
        var changes = new List<CallChange>();
        registry.Changes.Subscribe(changes.Add);

        CallRegistryResyncResult result = await registry.ResyncAsync(CapturedSwitch().Object);
        await registry.WhenChangesDeliveredAsync(); // Subscribers are notified on their own loop.

        Assert.Equal(new CallRegistryResyncResult(3, 0, 0, 0), result);
        CallLeg supervisor = registry.GetLeg(SupervisorLeg)!;
        Assert.Equal(AgentLeg, supervisor.Supervising?.TargetLegId);
        Assert.Equal(SupervisionMode.Whisper, supervisor.Supervising?.Mode);
        Assert.Equal(new UserIdentity("pbx.lab", "1010"), supervisor.AuthenticatedUser);

        CallLeg? agent = registry.FindActiveAgentLeg("pbx.lab", "1004");
        Assert.Equal(AgentLeg, agent?.UniqueId);
        Assert.Equal(ClientLeg, agent!.BridgedTo);
        Assert.Null(registry.GetLeg(ClientLeg)!.Agent);

        SupervisionInfo active = Assert.Single(registry.GetSnapshot().SupervisionsForTenant("pbx.lab"));
        Assert.Equal(new UserIdentity("pbx.lab", "1004"), active.Agent);
        Assert.Contains(changes, c => c.Kind == CallChangeKind.SupervisionStarted && c.Leg.UniqueId == SupervisorLeg);
        Assert.Contains(changes, c => c.Kind == CallChangeKind.ChannelBridged && c.Leg.UniqueId == AgentLeg);
    }

    [Fact]
    public async Task Uses_the_commands_the_switch_understood()
    {
        using var registry = new CallRegistry();
        Mock<IEslConnection> connection = CapturedSwitch();

        await registry.ResyncAsync(connection.Object);

        connection.Verify(c => c.ApiAsync("show", "channels as json", It.IsAny<CancellationToken>()), Times.Once);
        connection.Verify(c => c.ApiAsync("show", "calls as json", It.IsAny<CancellationToken>()), Times.Once);
        connection.Verify(c => c.ApiAsync("uuid_dump", It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Exactly(3));
    }

    [Fact]
    public async Task Channels_that_ended_while_disconnected_are_dropped_with_notifications()
    {
        using var registry = new CallRegistry();
        registry.Apply(Events.Client("old-client"));
        registry.Apply(Events.AgentReached("old-agent", "1005"));
        registry.Apply(Events.Bridge("old-client", "old-agent"));
        var changes = new List<CallChange>();
        registry.Changes.Subscribe(changes.Add);

        CallRegistryResyncResult result = await registry.ResyncAsync(CapturedSwitch().Object);
        await registry.WhenChangesDeliveredAsync(); // Subscribers are notified on their own loop.

        Assert.Equal(2, result.Dropped);
        Assert.Null(registry.GetLeg("old-agent"));
        Assert.Null(registry.FindActiveAgentLeg("pbx.lab", "1005"));
        Assert.Contains(changes, c => c.Kind == CallChangeKind.ChannelEnded && c.Leg.UniqueId == "old-agent");
    }

    [Fact]
    public async Task A_channel_that_vanishes_before_its_dump_is_skipped()
    {
        using var registry = new CallRegistry();

        CallRegistryResyncResult result = await registry.ResyncAsync(CapturedSwitch(clientDump: "-ERR No such channel!\n").Object);

        Assert.Equal(1, result.Vanished);
        Assert.Null(registry.GetLeg(ClientLeg));

        // Its partner is no longer bridged to anything the switch has.
        Assert.Null(registry.FindActiveAgentLeg("pbx.lab", "1004"));
    }

    [Fact]
    public async Task An_empty_switch_has_row_count_zero_and_no_rows()
    {
        using var registry = new CallRegistry();
        registry.Apply(Events.UserLeg("stale", "1010"));
        var connection = new Mock<IEslConnection>(MockBehavior.Strict);
        Respond(connection, "show", "channels as json", "{\"row_count\":0}\n");
        Respond(connection, "show", "calls as json", "{\"row_count\":0}\n");

        CallRegistryResyncResult result = await registry.ResyncAsync(connection.Object);

        Assert.Equal(new CallRegistryResyncResult(0, 1, 0, 0), result);
        Assert.Equal(0, registry.Count);
    }

    [Theory]
    [InlineData("not json at all", ResyncFailure.MalformedChannelList)]
    [InlineData("[1,2,3]", ResyncFailure.MalformedChannelList)]
    [InlineData("{\"row_count\":1,\"rows\":\"x\"}", ResyncFailure.MalformedChannelList)]
    [InlineData("{\"row_count\":1,\"rows\":[{\"uuid\":\"a b\\nc\"}]}", ResyncFailure.MalformedChannelList)]
    [InlineData("-ERR permission denied\n", ResyncFailure.CommandFailed)]
    public async Task A_malformed_channel_list_is_a_typed_error_and_keeps_the_previous_state(string body, ResyncFailure expected)
    {
        using var registry = new CallRegistry();
        registry.Apply(Events.UserLeg("kept", "1010"));
        var connection = new Mock<IEslConnection>(MockBehavior.Strict);
        Respond(connection, "show", "channels as json", body);

        CallRegistryResyncException error = await Assert.ThrowsAsync<CallRegistryResyncException>(() => registry.ResyncAsync(connection.Object));

        Assert.Equal(expected, error.Failure);
        Assert.NotNull(registry.GetLeg("kept"));
    }

    [Fact]
    public async Task A_malformed_dump_keeps_the_channel_without_identity()
    {
        using var registry = new CallRegistry();

        CallRegistryResyncResult result = await registry.ResyncAsync(CapturedSwitch(clientDump: "{\"truncated\":").Object);

        Assert.Equal(1, result.DumpFailures);
        Assert.NotNull(registry.GetLeg(ClientLeg));
        Assert.Equal(AgentLeg, registry.FindActiveAgentLeg("pbx.lab", "1004")?.UniqueId);
    }

    [Fact]
    public async Task Events_that_arrive_during_the_resync_are_applied_on_top()
    {
        using var registry = new CallRegistry();
        Mock<IEslConnection> connection = CapturedSwitch();
        var gate = new TaskCompletionSource<EslApiResponse>();
        connection.Setup(c => c.ApiAsync("show", "calls as json", It.IsAny<CancellationToken>())).Returns(gate.Task);

        Task<CallRegistryResyncResult> resync = registry.ResyncAsync(connection.Object);
        registry.Apply(Events.Make("CHANNEL_EXECUTE_COMPLETE", SupervisorLeg, ("Application", "eavesdrop"), ("Application-Data", AgentLeg)));
        registry.Apply(Events.UserLeg("new-leg", "1011"));
        gate.SetResult(new EslApiResponse(CaptureReplay.Load("resync-during-supervision").ApiResponses[1]));
        await resync;

        Assert.Null(registry.GetLeg(SupervisorLeg)!.Supervising);
        Assert.NotNull(registry.GetLeg("new-leg"));
    }

    [Fact]
    public async Task An_event_the_read_loop_lent_during_a_resync_is_replayed_from_its_own_copy()
    {
        // The controller takes events lent by the socket's read loop (no copy): the registry keeps the ones that
        // arrive during a resync for replay, long after the loop has released them and reused their chunk.
        using var registry = new CallRegistry();
        Mock<IEslConnection> connection = CapturedSwitch();
        var gate = new TaskCompletionSource<EslApiResponse>();
        connection.Setup(c => c.ApiAsync("show", "calls as json", It.IsAny<CancellationToken>())).Returns(gate.Task);
        byte[] frame = System.Text.Encoding.UTF8.GetBytes(
            "Event-Name: CHANNEL_CREATE\nUnique-ID: lent-leg\nCall-Direction: inbound\nvariable_user_name: 1012\nvariable_domain_name: pbx.lab\n\n");
        EslSupervision.EventSocket.Protocol.BodyChunk chunk = new EslSupervision.EventSocket.Protocol.BodyChunkPool().Rent(frame.Length);
        frame.CopyTo(chunk.Data, 0);
        chunk.AddBody();
        EslEvent lent = EslEvent.FromPlain(chunk, 0, frame.Length);

        Task<CallRegistryResyncResult> resync = registry.ResyncAsync(connection.Object);
        registry.Apply(lent);
        lent.ReleaseHold(); // the read loop is done with its batch
        chunk.Data.AsSpan().Fill((byte)'X'); // and the chunk holds the next events
        gate.SetResult(new EslApiResponse(CaptureReplay.Load("resync-during-supervision").ApiResponses[1]));
        await resync;

        Assert.Equal(new UserIdentity("pbx.lab", "1012"), registry.GetLeg("lent-leg")?.AuthenticatedUser);
    }
}
