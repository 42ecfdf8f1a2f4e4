using EslSupervision.Control;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>
/// The seed's story end to end: Olivia (1004) talks to a client; Benjamin (supervisor of her ring group)
/// dials *901004, hears both; presses 1 (only Olivia hears him), 2 (both), 0 (nobody); the client hangs up and
/// Benjamin's leg is released. The assertions are about who hears whom inside the switch.
/// </summary>
public class SeedStoryTests
{
    public static TheoryData<string> Directions() => ["client calls agent", "agent calls client"];

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task Benjamin_spies_whispers_barges_and_is_released_when_the_call_ends(string direction)
    {
        await using var lab = await SupervisionHarness.StartAsync();
        bool clientCalls = direction == "client calls agent";
        FakeCall call = await lab.CallAsync(
            fs => clientCalls ? fs.ClientCallsAgent("4915550001", "Zoë Ünal 山田", "5551000", "1004", "pbx.lab") : fs.AgentCallsClient("1004", "pbx.lab", "4915550002"),
            "1004");
        string client = clientCalls ? call.ALeg.Uuid : call.BLeg.Uuid;
        string olivia = clientCalls ? call.BLeg.Uuid : call.ALeg.Uuid;

        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        SupervisionAuditEvent started = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await lab.EavesdroppingAsync(benjamin.Uuid);

        // The controller targeted Olivia's own leg, never the client's.
        Assert.Equal(olivia, lab.Switch.GetEavesdropTarget(benjamin.Uuid));
        Assert.Equal(olivia, started.AgentLegId);
        Assert.Equal(SupervisionMode.Spy, started.Mode);
        Assert.Equal("1010@pbx.lab", started.Supervisor?.ToString());

        // Spy: Benjamin hears both; nobody hears him.
        AssertHearing(lab, benjamin.Uuid, olivia, client, oliviaHearsHim: false, clientHearsHim: false);

        await PressAsync(lab, benjamin.Uuid, '1', SupervisionMode.Whisper);
        AssertHearing(lab, benjamin.Uuid, olivia, client, oliviaHearsHim: true, clientHearsHim: false);

        await PressAsync(lab, benjamin.Uuid, '2', SupervisionMode.Barge);
        AssertHearing(lab, benjamin.Uuid, olivia, client, oliviaHearsHim: true, clientHearsHim: true);

        await PressAsync(lab, benjamin.Uuid, '0', SupervisionMode.Spy);
        AssertHearing(lab, benjamin.Uuid, olivia, client, oliviaHearsHim: false, clientHearsHim: false);

        // The client hangs up: eavesdrop returns and the controller releases Benjamin's leg.
        lab.Switch.Hangup(client);
        SupervisionAuditEvent ended = await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        Assert.Equal(SupervisionEndReason.AgentCallEnded, ended.EndReason);
        FakeChannel released = await lab.HungUpAsync(benjamin.Uuid);
        Assert.Equal("NORMAL_CLEARING", released.HangupCause);
        Assert.Empty(lab.Controller.ActiveSupervisions);
    }

    [Fact]
    public async Task The_set_up_runs_in_the_measured_order_before_eavesdrop_with_native_digits_off()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*911004");

        FakeConnection connection = lab.Switch.Connections.Single();
        string[] apps = connection.ReceivedCommands
            .Where(c => c.StartsWith("sendmsg " + benjamin.Uuid, StringComparison.Ordinal))
            .Select(c => string.Join(' ', c.Split('\n').Where(l => l.StartsWith("execute-app-name: ", StringComparison.Ordinal) || l.StartsWith("execute-app-arg: ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..])))
            .ToArray();
        Assert.Equal(
            [
                "answer",
                "set eavesdrop_enable_dtmf=false",
                "set eavesdrop_whisper_bleg=true",
                "set eavesdrop_whisper_aleg=false",
                "set esl_supervision_mode=whisper",
                "set esl_supervision_target=" + call.BLeg.Uuid,
                "set esl_supervision_supervisor=1010@pbx.lab",
                "bind_digit_action esl_supervision,0,exec[i]:event,ESL-Supervision-Digit=0",
                "bind_digit_action esl_supervision,1,exec[i]:event,ESL-Supervision-Digit=1",
                "bind_digit_action esl_supervision,2,exec[i]:event,ESL-Supervision-Digit=2",
                "digit_action_set_realm esl_supervision",
                "eavesdrop " + call.BLeg.Uuid,
            ],
            apps);

        // *91 starts in whisper: only Olivia hears Benjamin, from the first frame.
        Assert.True(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
        Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
    }

    [Fact]
    public async Task When_the_supervisor_hangs_up_the_agents_call_is_untouched()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*921004");

        lab.Switch.Hangup(benjamin.Uuid);
        SupervisionAuditEvent ended = await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);

        Assert.Equal(SupervisionEndReason.SupervisorHungUp, ended.EndReason);
        Assert.False(lab.Switch.GetChannel(call.ALeg.Uuid)!.IsHungUp);
        Assert.False(lab.Switch.GetChannel(call.BLeg.Uuid)!.IsHungUp);
        Assert.True(lab.Switch.Hears(call.ALeg.Uuid, call.BLeg.Uuid));
    }

    [Fact]
    public async Task A_dashboard_can_switch_the_mode_and_end_the_supervision_through_the_api()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");

        SupervisionInfo running = Assert.Single(lab.Controller.ActiveSupervisions);
        Assert.Equal(call.BLeg.Uuid, running.AgentLegId);

        Assert.True((await lab.Controller.SwitchModeAsync(benjamin.Uuid, SupervisionMode.Barge)).IsAllowed);
        Assert.True(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
        SupervisionAuditEvent changed = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Trigger == SupervisionTrigger.Api);
        Assert.Equal(SupervisionMode.Spy, changed.PreviousMode);
        Assert.Equal("barge", lab.Switch.GetChannel(benjamin.Uuid)!.GetVariable("esl_supervision_mode"));

        Assert.True(await lab.Controller.EndAsync(benjamin.Uuid));
        await lab.HungUpAsync(benjamin.Uuid);
        Assert.Equal(SupervisionEndReason.EndedByApi, (await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid)).EndReason);
        Assert.False(lab.Switch.GetChannel(call.BLeg.Uuid)!.IsHungUp);
        Assert.False(await lab.Controller.EndAsync(benjamin.Uuid));
    }

    private static async Task PressAsync(SupervisionHarness lab, string supervisor, char digit, SupervisionMode expected)
    {
        int before = lab.AuditTrail.Count(e => e.Kind == SupervisionAuditKind.ModeChanged);
        await lab.Switch.PressDigitAsync(supervisor, digit);
        SupervisionAuditEvent changed = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && lab.AuditTrail.Count(x => x.Kind == SupervisionAuditKind.ModeChanged) > before && e.Mode == expected);
        Assert.Equal(digit.ToString(), changed.Digit);
        Assert.Equal(SupervisionTrigger.Digit, changed.Trigger);
    }

    private static void AssertHearing(SupervisionHarness lab, string supervisor, string agent, string client, bool oliviaHearsHim, bool clientHearsHim)
    {
        Assert.True(lab.Switch.Hears(supervisor, agent), "the supervisor hears the agent");
        Assert.True(lab.Switch.Hears(supervisor, client), "the supervisor hears the client");
        Assert.True(lab.Switch.Hears(agent, client), "the agent still hears the client");
        Assert.True(lab.Switch.Hears(client, agent), "the client still hears the agent");
        Assert.Equal(oliviaHearsHim, lab.Switch.Hears(agent, supervisor));
        Assert.Equal(clientHearsHim, lab.Switch.Hears(client, supervisor));
    }
}
