using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;

namespace EslSupervision.Tests.Calls;

/// <summary>The registry fed with the real FreeSWITCH 1.10.12 captures.</summary>
public class CallRegistryCaptureTests
{
    /// <summary>Replays a capture's events up to (not including) the first event matching <paramref name="stop"/>.</summary>
    private static CallRegistry Replay(string capture, Func<EslEvent, bool>? stop = null, List<CallChange>? changes = null)
    {
        var registry = new CallRegistry();
        if (changes is not null)
        {
            registry.Changes.Subscribe(changes.Add);
        }

        foreach (EslEvent e in CaptureReplay.Load(capture).Events)
        {
            if (stop?.Invoke(e) == true)
            {
                break;
            }

            registry.Apply(e);
        }

        return registry;
    }

    /// <summary>The end of the conversation: the first hang-up that is not a ring-group loser's.</summary>
    private static bool IsFirstHangup(EslEvent e) => e.EventName == "CHANNEL_HANGUP" && e["Hangup-Cause"] != "LOSE_RACE";

    [Fact]
    public void Client_calls_agent_the_agents_leg_is_the_outbound_one_not_the_clients()
    {
        CallRegistry registry = Replay("supervision-client-calls-agent", IsFirstHangup);

        CallLeg? agent = registry.FindActiveAgentLeg("pbx.lab", "1004");
        Assert.NotNull(agent);
        Assert.Equal("8329ebde-35d6-4f8c-83f9-194f5b4ca575", agent.UniqueId);
        Assert.Equal(CallDirection.Outbound, agent.Direction);
        Assert.Equal("4b53d4b0-3984-4480-b459-b038041f654b", agent.BridgedTo);

        // The client's leg carries dialed_user 1004 too, but it is nobody's leg.
        CallLeg client = registry.GetLeg("4b53d4b0-3984-4480-b459-b038041f654b")!;
        Assert.Null(client.Agent);
        Assert.Null(client.AuthenticatedUser);
        Assert.Equal(CallLegState.Bridged, client.State);
    }

    [Fact]
    public void Client_calls_agent_the_supervisor_is_identified_by_authentication_and_seen_eavesdropping()
    {
        CallRegistry registry = Replay("supervision-client-calls-agent", IsFirstHangup);

        CallLeg supervisor = registry.GetLeg("902a4080-a5fb-45b3-8b11-e26d4c60226b")!;
        Assert.Equal(new UserIdentity("pbx.lab", "1010"), supervisor.AuthenticatedUser);
        Assert.Equal(new UserIdentity("pbx.lab", "1010"), registry.GetAuthenticatedUser(supervisor.UniqueId));
        Assert.Equal("8329ebde-35d6-4f8c-83f9-194f5b4ca575", supervisor.Supervising?.TargetLegId);

        SupervisionInfo active = Assert.Single(registry.GetSnapshot().Supervisions);
        Assert.Equal(new UserIdentity("pbx.lab", "1010"), active.Supervisor);
        Assert.Equal(new UserIdentity("pbx.lab", "1004"), active.Agent);
    }

    [Fact]
    public async Task Client_calls_agent_to_the_end_every_leg_is_gone_and_the_changes_tell_the_story()
    {
        var changes = new List<CallChange>();
        CallRegistry registry = Replay("supervision-client-calls-agent", changes: changes);
        await registry.WhenChangesDeliveredAsync(); // Subscribers are notified on their own loop.

        // Only the next scenario's first channel remains (the capture ends with its CHANNEL_CREATE).
        CallLeg remaining = Assert.Single(registry.GetSnapshot().Legs);
        Assert.Equal("c54c9124-1fb6-4b7d-bd14-aef35f774cea", remaining.UniqueId);
        Assert.Null(registry.FindActiveAgentLeg("pbx.lab", "1004"));

        const string agentLeg = "8329ebde-35d6-4f8c-83f9-194f5b4ca575";
        const string supervisorLeg = "902a4080-a5fb-45b3-8b11-e26d4c60226b";
        Assert.Equal(
            [CallChangeKind.ChannelCreated, CallChangeKind.ChannelAnswered, CallChangeKind.ChannelBridged, CallChangeKind.ChannelUnbridged, CallChangeKind.ChannelEnded],
            changes.Where(c => c.Leg.UniqueId == agentLeg).Select(c => c.Kind));
        Assert.Equal(
            [CallChangeKind.ChannelCreated, CallChangeKind.ChannelParked, CallChangeKind.ChannelAnswered, CallChangeKind.SupervisionStarted, CallChangeKind.SupervisionEnded, CallChangeKind.ChannelEnded],
            changes.Where(c => c.Leg.UniqueId == supervisorLeg).Select(c => c.Kind).Where(k => k != CallChangeKind.ChannelUpdated));
    }

    [Fact]
    public void Agent_calls_client_the_agents_leg_is_the_authenticated_inbound_one_not_the_carrier_leg_with_her_caller_id()
    {
        CallRegistry registry = Replay("supervision-agent-calls-client", IsFirstHangup);

        CallLeg? agent = registry.FindActiveAgentLeg("pbx.lab", "1004");
        Assert.Equal("c54c9124-1fb6-4b7d-bd14-aef35f774cea", agent?.UniqueId);
        Assert.Equal(CallDirection.Inbound, agent!.Direction);

        CallLeg carrier = registry.GetLeg("749adcaf-34bd-421b-ae46-6dbfed3a5e1a")!;
        Assert.Null(carrier.Agent);
        Assert.Null(carrier.AuthenticatedUser);
        Assert.Equal(agent.UniqueId, carrier.BridgedTo);

        Assert.Equal("c54c9124-1fb6-4b7d-bd14-aef35f774cea", registry.GetLeg("6269ac70-0015-4df3-8e1e-e30c5bfcebba")!.Supervising?.TargetLegId);
    }

    [Fact]
    public void Ring_group_only_the_bridged_winner_has_an_active_call()
    {
        CallRegistry registry = Replay("ring-group-simultaneous", IsFirstHangup);

        Assert.Equal("cf5cba04-dd70-4e48-81e6-879fe14ba022", registry.FindActiveAgentLeg("pbx.lab", "1004")?.UniqueId);
        Assert.Null(registry.FindActiveAgentLeg("pbx.lab", "1005"));
        Assert.Null(registry.GetLeg("7da58049-1e6e-4591-8c13-bd2be5f4174e")); // the loser was destroyed

        // The client's leg says dialed_user 1005 (the last one dialled), yet it talks to 1004 and is nobody's.
        CallLeg client = registry.GetLeg("528cd0b2-2a0b-4ab0-947f-a7ff89866371")!;
        Assert.Null(client.Agent);
        Assert.Equal("cf5cba04-dd70-4e48-81e6-879fe14ba022", client.BridgedTo);
    }

    [Fact]
    public void Ring_group_the_loser_answered_but_never_counted_as_on_a_call()
    {
        CallRegistry registry = Replay("ring-group-simultaneous", e => e.EventName == "CHANNEL_HANGUP" && e["Hangup-Cause"] == "LOSE_RACE");

        CallLeg loser = registry.GetLeg("7da58049-1e6e-4591-8c13-bd2be5f4174e")!;
        Assert.Equal(new UserIdentity("pbx.lab", "1005"), loser.Agent);
        Assert.Equal(CallLegState.Answered, loser.State);
        Assert.Null(registry.FindActiveAgentLeg("pbx.lab", "1005"));
        Assert.Null(registry.FindActiveAgentLeg("pbx.lab", "1004")); // not bridged yet either
    }

    [Fact]
    public void Snapshot_per_tenant_includes_the_client_talking_to_the_tenants_agent()
    {
        CallRegistry registry = Replay("ring-group-simultaneous", IsFirstHangup);

        IReadOnlyList<CallLeg> legs = registry.GetSnapshot().ForTenant("pbx.lab");

        Assert.Equal(
            ["528cd0b2-2a0b-4ab0-947f-a7ff89866371", "cf5cba04-dd70-4e48-81e6-879fe14ba022"],
            legs.Select(l => l.UniqueId).Order());
        Assert.Empty(registry.GetSnapshot().ForTenant("other.lab"));
    }

    [Fact]
    public void Memory_per_tracked_channel_is_small()
    {
        CaptureReplay replay = CaptureReplay.Load("supervision-client-calls-agent");
        var registry = new CallRegistry();
        List<EslEvent> events = replay.Events.TakeWhile(e => !IsFirstHangup(e)).ToList();
        foreach (EslEvent e in events)
        {
            registry.Apply(e);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetTotalMemory(true);
        var more = new CallRegistry();
        for (int i = 0; i < 1000; i++)
        {
            more.Apply(Events.Client($"{i:D8}-0000-0000-0000-00000000000c"));
            more.Apply(Events.AgentReached($"{i:D8}-0000-0000-0000-00000000000a", (1000 + (i % 50)).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            more.Apply(Events.Bridge($"{i:D8}-0000-0000-0000-00000000000c", $"{i:D8}-0000-0000-0000-00000000000a"));
        }

        long after = GC.GetTotalMemory(true);
        Assert.Equal(2000, more.Count);
        Assert.True((after - before) / 2000.0 < 2048, $"{(after - before) / 2000.0} bytes per channel");
        GC.KeepAlive(more);
        GC.KeepAlive(registry);
    }
}
