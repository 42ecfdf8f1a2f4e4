using EslSupervision.Control;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// The seed's story across two switches: Olivia (1004) talks to a client on switch b; Benjamin (1010) is registered
/// on switch a and dials *90/*91/*921004 there. His leg is moved to b with a token and eavesdrops on Olivia's own leg
/// there; keys pressed on a switch the mode on b; the end on either side clears both switches.
/// </summary>
public class CrossSwitchStoryTests
{
    public static TheoryData<string> Directions() => ["client calls agent", "agent calls client"];

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task Benjamin_on_switch_a_spies_whispers_and_barges_on_Olivia_on_switch_b_and_is_released_when_her_call_ends(string direction)
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeFreeSwitch a = lab.Switches["a"];
        FakeFreeSwitch b = lab.Switches["b"];
        bool clientCalls = direction == "client calls agent";
        FakeCall call = await lab.CallAsync(
            "b",
            fs => clientCalls ? fs.ClientCallsAgent("4915550001", "Zoë Ünal 山田", "5551000", "1004", "pbx.lab") : fs.AgentCallsClient("1004", "pbx.lab", "4915550002"),
            "1004");
        string client = clientCalls ? call.ALeg.Uuid : call.BLeg.Uuid;
        string olivia = clientCalls ? call.BLeg.Uuid : call.ALeg.Uuid;

        FakeChannel benjamin = a.DialParked("1010", "pbx.lab", "*901004");
        SupervisionAuditEvent started = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        FakeChannel arriving = await lab.ArrivingLegAsync("b", olivia);

        // The audit names the supervisor's own leg and both switches; the eavesdrop runs on b, on Olivia's own leg.
        Assert.Equal(("a", "b"), (started.SupervisorSwitch, started.AgentSwitch));
        Assert.Equal((olivia, SupervisionMode.Spy, "1010@pbx.lab", SupervisionTrigger.ServiceCode), (started.AgentLegId, started.Mode, started.Supervisor?.ToString(), started.Trigger));
        Assert.Equal(olivia, b.GetEavesdropTarget(arriving.Uuid));
        SupervisionInfo running = Assert.Single(lab.Cluster.ActiveSupervisions);
        Assert.Equal((benjamin.Uuid, "a", "b"), (running.SupervisorLegId, running.SupervisorSwitch, running.AgentSwitch));

        AssertHearing(lab, benjamin.Uuid, olivia, client, oliviaHearsHim: false, clientHearsHim: false);

        await lab.PressAsync(benjamin.Uuid, '1', SupervisionMode.Whisper);
        AssertHearing(lab, benjamin.Uuid, olivia, client, oliviaHearsHim: true, clientHearsHim: false);

        await lab.PressAsync(benjamin.Uuid, '2', SupervisionMode.Barge);
        AssertHearing(lab, benjamin.Uuid, olivia, client, oliviaHearsHim: true, clientHearsHim: true);

        await lab.PressAsync(benjamin.Uuid, '0', SupervisionMode.Spy);
        AssertHearing(lab, benjamin.Uuid, olivia, client, oliviaHearsHim: false, clientHearsHim: false);

        // The call ends on b (the client hangs up, or Olivia when she called): the eavesdrop returns there, and both of Benjamin's legs go.
        b.Hangup(clientCalls ? client : olivia);
        SupervisionAuditEvent ended = await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        Assert.Equal(SupervisionEndReason.AgentCallEnded, ended.EndReason);
        Assert.Equal(("a", "b"), (ended.SupervisorSwitch, ended.AgentSwitch));
        await lab.HungUpAsync("b", arriving.Uuid);
        await lab.HungUpAsync("a", benjamin.Uuid);
        Assert.Empty(lab.Cluster.ActiveSupervisions);

        // One request, one start, one end: the hand-off itself is not a second supervision in the audit.
        SupervisionAuditEvent[] trail = [.. lab.AuditTrail.Where(e => e.SupervisorLegId == benjamin.Uuid)];
        Assert.Single(trail, e => e.Kind == SupervisionAuditKind.Requested);
        Assert.Single(trail, e => e.Kind == SupervisionAuditKind.Started);
        Assert.Single(trail, e => e.Kind == SupervisionAuditKind.Ended);
        Assert.Equal(3, trail.Count(e => e.Kind == SupervisionAuditKind.ModeChanged));
    }

    [Theory]
    [InlineData("*911004", SupervisionMode.Whisper, true, false)]
    [InlineData("*921004", SupervisionMode.Barge, true, true)]
    public async Task Each_service_code_starts_in_its_mode_across_switches(string dialed, SupervisionMode mode, bool oliviaHearsHim, bool clientHearsHim)
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeCall call = await lab.ClientCallsAsync("b", "1004");
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", dialed);

        SupervisionAuditEvent started = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await lab.ArrivingLegAsync("b", call.BLeg.Uuid);
        Assert.Equal(mode, started.Mode);
        AssertHearing(lab, benjamin.Uuid, call.BLeg.Uuid, call.ALeg.Uuid, oliviaHearsHim, clientHearsHim);
    }

    [Fact]
    public async Task When_Benjamin_hangs_up_on_switch_a_everything_on_switch_b_is_cleaned_up_and_the_call_goes_on()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeCall call = await lab.ClientCallsAsync("b", "1004");
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*921004");
        await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        FakeChannel arriving = await lab.ArrivingLegAsync("b", call.BLeg.Uuid);

        lab.Switches["a"].Hangup(benjamin.Uuid);
        SupervisionAuditEvent ended = await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        Assert.Equal(SupervisionEndReason.SupervisorHungUp, ended.EndReason);
        await lab.HungUpAsync("b", arriving.Uuid);
        Assert.Empty(lab.Cluster.ActiveSupervisions);
        Assert.Null(lab.Switches["b"].GetEavesdropTarget(arriving.Uuid));
        Assert.False(lab.Switches["b"].GetChannel(call.ALeg.Uuid)!.IsHungUp);
        Assert.False(lab.Switches["b"].GetChannel(call.BLeg.Uuid)!.IsHungUp);
        Assert.True(lab.Switches["b"].Hears(call.ALeg.Uuid, call.BLeg.Uuid));
        Assert.False(lab.Switches["b"].Hears(call.ALeg.Uuid, benjamin.Uuid));
    }

    [Fact]
    public async Task A_dashboard_switches_and_ends_a_cross_switch_supervision_by_the_supervisors_own_leg()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeCall call = await lab.ClientCallsAsync("b", "1004");
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*901004");
        await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        FakeChannel arriving = await lab.ArrivingLegAsync("b", call.BLeg.Uuid);

        Assert.True((await lab.Cluster.SwitchModeAsync(benjamin.Uuid, SupervisionMode.Whisper)).IsAllowed);
        Assert.True(lab.Switches["b"].Hears(call.BLeg.Uuid, benjamin.Uuid));
        Assert.False(lab.Switches["b"].Hears(call.ALeg.Uuid, benjamin.Uuid));

        Assert.True(await lab.Cluster.EndAsync(benjamin.Uuid));
        Assert.Equal(SupervisionEndReason.EndedByApi, (await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid)).EndReason);
        await lab.HungUpAsync("b", arriving.Uuid);
        await lab.HungUpAsync("a", benjamin.Uuid);
        Assert.False(lab.Switches["b"].GetChannel(call.BLeg.Uuid)!.IsHungUp);
        Assert.False(await lab.Cluster.EndAsync(benjamin.Uuid));
    }

    [Fact]
    public async Task Three_switches_supervisor_on_c_agents_on_a_and_b_each_found_where_the_call_is()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b", "c"]);
        FakeCall olivia = await lab.ClientCallsAsync("a", "1004");
        FakeCall sam = await lab.ClientCallsAsync("b", "1005");

        FakeChannel onOlivia = lab.Switches["c"].DialParked("1010", "pbx.lab", "*911004");
        FakeChannel onSam = lab.Switches["c"].DialParked("1010", "pbx.lab", "*921005");
        Assert.Equal(("c", "a"), ((await lab.WaitForAuditAsync(SupervisionAuditKind.Started, onOlivia.Uuid)).SupervisorSwitch, (await lab.WaitForAuditAsync(SupervisionAuditKind.Started, onOlivia.Uuid)).AgentSwitch));
        Assert.Equal("b", (await lab.WaitForAuditAsync(SupervisionAuditKind.Started, onSam.Uuid)).AgentSwitch);
        await lab.ArrivingLegAsync("a", olivia.BLeg.Uuid);
        await lab.ArrivingLegAsync("b", sam.BLeg.Uuid);

        // Whisper on Olivia (a) and barge on Sam (b), from the same switch c, without crossing each other.
        Assert.True(lab.Switches["a"].Hears(olivia.BLeg.Uuid, onOlivia.Uuid));
        Assert.False(lab.Switches["a"].Hears(olivia.ALeg.Uuid, onOlivia.Uuid));
        Assert.True(lab.Switches["b"].Hears(sam.ALeg.Uuid, onSam.Uuid));
        Assert.False(lab.Switches["b"].Hears(sam.ALeg.Uuid, onOlivia.Uuid));
        Assert.Equal(2, lab.Cluster.ActiveSupervisions.Count);

        // The key on c reaches b only for the leg it was pressed on.
        await lab.PressAsync(onSam.Uuid, '0', SupervisionMode.Spy);
        Assert.False(lab.Switches["b"].Hears(sam.ALeg.Uuid, onSam.Uuid));
        Assert.True(lab.Switches["a"].Hears(olivia.BLeg.Uuid, onOlivia.Uuid));

        lab.Switches["a"].Hangup(olivia.ALeg.Uuid);
        await lab.HungUpAsync("c", onOlivia.Uuid);
        Assert.Equal(SupervisionEndReason.AgentCallEnded, (await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, onOlivia.Uuid)).EndReason);
        Assert.Equal(onSam.Uuid, Assert.Single(lab.Cluster.ActiveSupervisions).SupervisorLegId);
    }

    [Fact]
    public async Task A_restarted_controller_adopts_both_halves_keys_still_switch_and_the_end_still_clears_both_switches()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeCall call = await lab.ClientCallsAsync("b", "1004");
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*911004");
        await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        FakeChannel arriving = await lab.ArrivingLegAsync("b", call.BLeg.Uuid);

        await lab.RestartClusterAsync();

        // b adopts the eavesdrop with the identity and origin it stored on the arriving leg at the start.
        SupervisionAuditEvent adopted = await lab.WaitForAuditAsync(SupervisionAuditKind.Adopted, benjamin.Uuid);
        Assert.Equal(("1010@pbx.lab", "a", "b"), (adopted.Supervisor?.ToString(), adopted.SupervisorSwitch, adopted.AgentSwitch));
        Assert.Equal(benjamin.Uuid, Assert.Single(lab.Cluster.ActiveSupervisions).SupervisorLegId);

        await lab.PressAsync(benjamin.Uuid, '2', SupervisionMode.Barge);
        Assert.True(lab.Switches["b"].Hears(call.ALeg.Uuid, benjamin.Uuid));

        lab.Switches["b"].Hangup(call.ALeg.Uuid);
        Assert.Equal(SupervisionEndReason.AgentCallEnded, (await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Ended && e.SupervisorLegId == benjamin.Uuid)).EndReason);
        await lab.HungUpAsync("b", arriving.Uuid);
        await lab.HungUpAsync("a", benjamin.Uuid);
    }

    internal static void AssertHearing(ClusterHarness lab, string supervisor, string agent, string client, bool oliviaHearsHim, bool clientHearsHim)
    {
        // Hears follows audio over the trunk between the fakes, so asking any of them is the same.
        FakeFreeSwitch any = lab.Switches.Values.First();
        Assert.True(any.Hears(supervisor, agent), "the supervisor hears the agent");
        Assert.True(any.Hears(supervisor, client), "the supervisor hears the client");
        Assert.True(any.Hears(agent, client), "the agent still hears the client");
        Assert.True(any.Hears(client, agent), "the client still hears the agent");
        Assert.Equal(oliviaHearsHim, any.Hears(agent, supervisor));
        Assert.Equal(clientHearsHim, any.Hears(client, supervisor));
    }
}
