using EslSupervision.Calls;
using EslSupervision.EventSocket;
using Moq;
using static EslSupervision.Tests.Calls.CallRegistryResyncTests;

namespace EslSupervision.Tests.Calls;

/// <summary>
/// The party number a dashboard shows as "client number", on calls the registry learns from a resync (at start, after a
/// reconnect or a gap) rather than from their events: replayed from the real resync-during-supervision capture.
/// </summary>
public class CallRegistryResyncNumberTests
{
    [Fact]
    public async Task A_call_found_by_a_resync_shows_the_client_number_the_switch_lists()
    {
        using var registry = new CallRegistry();

        await registry.ResyncAsync(CapturedSwitch().Object);

        // The capture has no dump of the client's leg: its number comes from the channel list's cid_num.
        CallLeg agent = registry.FindActiveAgentLeg("pbx.lab", "1004")!;
        Assert.Equal("0000000000", registry.GetLeg(agent.BridgedTo!)!.PartyNumber);

        // The agent's leg is outbound: its number is what was dialled, from its captured dump.
        Assert.Equal("gw%2Bgw1004", agent.PartyNumber);
    }

    [Fact]
    public async Task The_dump_of_a_leg_wins_over_the_channel_list()
    {
        using var registry = new CallRegistry();
        string dump = $$"""{"Unique-ID":"{{ClientLeg}}","Call-Direction":"inbound","Answer-State":"answered","Caller-Caller-ID-Number":"4915550001"}""";

        await registry.ResyncAsync(CapturedSwitch(dump).Object);

        Assert.Equal("4915550001", registry.GetLeg(ClientLeg)!.PartyNumber);
    }

    [Fact]
    public async Task A_leg_known_without_a_number_learns_it_on_resync_and_subscribers_hear_of_it()
    {
        using var registry = new CallRegistry();
        registry.Apply(Events.Make("CHANNEL_CREATE", ClientLeg, ("Call-Direction", "inbound")));
        Assert.Null(registry.GetLeg(ClientLeg)!.PartyNumber);
        var changes = new List<CallChange>();
        registry.Changes.Subscribe(changes.Add);

        await registry.ResyncAsync(CapturedSwitch().Object);
        await registry.WhenChangesDeliveredAsync(); // Subscribers are notified on their own loop.

        Assert.Equal("0000000000", registry.GetLeg(ClientLeg)!.PartyNumber);
        Assert.Contains(changes, c => c.Kind == CallChangeKind.ChannelUpdated && c.Leg.UniqueId == ClientLeg && c.Leg.PartyNumber == "0000000000");
    }

    [Fact]
    public async Task A_number_learned_from_events_is_not_blanked_by_a_resync_that_cannot_read_it()
    {
        using var registry = new CallRegistry();
        registry.Apply(Events.Make("CHANNEL_CREATE", ClientLeg, ("Call-Direction", "inbound"), ("Caller-Caller-ID-Number", "4915550001")));
        string channels = CaptureReplay.Load("resync-during-supervision").ApiResponses[0].Replace("\"cid_num\":\"0000000000\"", "\"cid_num\":\"\"", StringComparison.Ordinal);
        Mock<IEslConnection> connection = CapturedSwitch(clientDump: "-ERR no reply\n");
        connection.Setup(c => c.ApiAsync("show", "channels as json", It.IsAny<CancellationToken>())).ReturnsAsync(new EslApiResponse(channels));

        CallRegistryResyncResult result = await registry.ResyncAsync(connection.Object);

        Assert.Equal(1, result.DumpFailures);
        Assert.Equal("4915550001", registry.GetLeg(ClientLeg)!.PartyNumber);
    }

    [Fact]
    public void Events_give_inbound_legs_the_caller_and_outbound_legs_the_dialled_number_and_refuse_control_characters()
    {
        using var registry = new CallRegistry();
        registry.Apply(Events.Make("CHANNEL_CREATE", "in", ("Call-Direction", "inbound"), ("Caller-Caller-ID-Number", "4915550001"), ("Caller-Destination-Number", "5551000")));
        registry.Apply(Events.Make("CHANNEL_CREATE", "out", ("Call-Direction", "outbound"), ("Caller-Caller-ID-Number", "1004"), ("Caller-Destination-Number", "04915550002")));
        registry.Apply(Events.Make("CHANNEL_CREATE", "bad", ("Call-Direction", "inbound"), ("Caller-Caller-ID-Number", "49\n<script>")));

        Assert.Equal("4915550001", registry.GetLeg("in")!.PartyNumber);
        Assert.Equal("04915550002", registry.GetLeg("out")!.PartyNumber);
        Assert.Null(registry.GetLeg("bad")!.PartyNumber);
    }
}
