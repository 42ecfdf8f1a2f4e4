using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>
/// A supervision started from code (a dashboard button): the switch rings the supervisor's own phone and, once
/// answered, the same decision and start sequence run as for a service code. Asserted by who hears whom in the switch.
/// </summary>
public class StartFromCodeTests
{
    private static readonly UserIdentity Benjamin = new("pbx.lab", "1010");

    [Fact]
    public async Task Benjamin_is_called_answers_and_whispers_to_Olivia_then_barges_with_key_2()
    {
        await using var lab = await SupervisionHarness.StartAsync(ringingPhones: true);
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        string client = call.ALeg.Uuid, olivia = call.BLeg.Uuid;

        Task<SupervisionStartResult> start = lab.Controller.StartSupervisionAsync(new SupervisionStartRequest(Benjamin, "1004", SupervisionMode.Whisper));
        FakeChannel phone = await lab.Switch.WaitForRingingAsync("1010", "pbx.lab").WaitAsync(SupervisionHarness.Patience);
        Assert.Equal("Supervision_1004", phone.GetVariable("origination_caller_id_name"));
        Assert.False(start.IsCompleted, "nothing starts before the supervisor answers");
        Assert.True(lab.Switch.AnswerRinging(phone.Uuid));

        SupervisionStartResult result = await start.WaitAsync(SupervisionHarness.Patience);
        Assert.Equal(SupervisionStartOutcome.Started, result.Outcome);
        Assert.Equal(phone.Uuid, result.SupervisorLegId);
        await lab.EavesdroppingAsync(phone.Uuid);
        Assert.Equal(olivia, lab.Switch.GetEavesdropTarget(phone.Uuid));
        Assert.True(lab.Switch.Hears(phone.Uuid, olivia) && lab.Switch.Hears(phone.Uuid, client), "Benjamin hears both");
        Assert.True(lab.Switch.Hears(olivia, phone.Uuid), "Olivia hears the whisper");
        Assert.False(lab.Switch.Hears(client, phone.Uuid), "the client does not");

        SupervisionAuditEvent started = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, phone.Uuid);
        Assert.Equal(SupervisionTrigger.Api, started.Trigger);
        Assert.Equal(Benjamin, started.Supervisor);
        Assert.Equal(SupervisionMode.Whisper, Assert.Single(lab.Controller.ActiveSupervisions).Mode);

        // Keys work as for a service code.
        await lab.Switch.PressDigitAsync(phone.Uuid, '2');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.SupervisorLegId == phone.Uuid && e.Mode == SupervisionMode.Barge);
        Assert.True(lab.Switch.Hears(client, phone.Uuid), "barge: the client hears him too");
        Assert.True(lab.Switch.Hears(olivia, phone.Uuid));
    }

    [Fact]
    public async Task A_refused_request_never_rings_the_phone()
    {
        await using var lab = await SupervisionHarness.StartAsync(ringingPhones: true);
        await lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1011", "pbx.lab"), "1011");

        // Benjamin supervises the support group, not sales (Lena 1011).
        SupervisionStartResult result = await lab.Controller.StartSupervisionAsync(new SupervisionStartRequest(Benjamin, "1011", SupervisionMode.Spy)).WaitAsync(SupervisionHarness.Patience);

        Assert.Equal(SupervisionStartOutcome.Denied, result.Outcome);
        Assert.Equal(DenialReason.NotASupervisor, result.Decision?.Reason);
        Assert.Empty(lab.Switch.RingingLegs);
        Assert.DoesNotContain(lab.AllCommands, c => c.Contains("originate", StringComparison.Ordinal));
        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Denied && e.Trigger == SupervisionTrigger.Api);
        Assert.Equal(DenialReason.NotASupervisor, denied.DenialReason);
    }

    [Fact]
    public async Task An_agent_who_is_not_on_a_call_is_refused()
    {
        await using var lab = await SupervisionHarness.StartAsync(ringingPhones: true);

        SupervisionStartResult result = await lab.Controller.StartSupervisionAsync(new SupervisionStartRequest(Benjamin, "1004", SupervisionMode.Spy)).WaitAsync(SupervisionHarness.Patience);

        Assert.Equal(SupervisionStartOutcome.Denied, result.Outcome);
        Assert.Equal(DenialReason.AgentNotOnCall, result.Decision?.Reason);
    }

    [Fact]
    public async Task A_phone_that_rings_out_is_not_answered_and_nothing_starts()
    {
        var switchTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var lab = await SupervisionHarness.StartAsync(ringingPhones: true, switchTime: switchTime);
        await lab.OliviaTalksToAClientAsync();

        Task<SupervisionStartResult> start = lab.Controller.StartSupervisionAsync(new SupervisionStartRequest(Benjamin, "1004", SupervisionMode.Spy) { RingTimeout = TimeSpan.FromSeconds(20) });
        FakeChannel phone = await lab.Switch.WaitForRingingAsync("1010", "pbx.lab").WaitAsync(SupervisionHarness.Patience);
        switchTime.Advance(TimeSpan.FromSeconds(20));

        SupervisionStartResult result = await start.WaitAsync(SupervisionHarness.Patience);
        Assert.Equal(SupervisionStartOutcome.NotAnswered, result.Outcome);
        Assert.Equal("NO_ANSWER", result.HangupCause);
        Assert.True((await lab.HungUpAsync(phone.Uuid)).IsHungUp);
        Assert.Empty(lab.Controller.ActiveSupervisions);
        Assert.Contains(lab.AllCommands, c => c.Contains("originate_timeout=20", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rejected_call_is_not_answered()
    {
        await using var lab = await SupervisionHarness.StartAsync(ringingPhones: true);
        await lab.OliviaTalksToAClientAsync();

        Task<SupervisionStartResult> start = lab.Controller.StartSupervisionAsync(new SupervisionStartRequest(Benjamin, "1004", SupervisionMode.Spy));
        FakeChannel phone = await lab.Switch.WaitForRingingAsync("1010", "pbx.lab").WaitAsync(SupervisionHarness.Patience);
        Assert.True(lab.Switch.RejectRinging(phone.Uuid, "USER_BUSY"));

        SupervisionStartResult result = await start.WaitAsync(SupervisionHarness.Patience);
        Assert.Equal(SupervisionStartOutcome.NotAnswered, result.Outcome);
        Assert.Equal("USER_BUSY", result.HangupCause);
        Assert.Empty(lab.Controller.ActiveSupervisions);
    }

    [Fact]
    public async Task An_unregistered_phone_fails()
    {
        SupervisionOptions options = SupervisionHarness.LabOptions();
        options.RingGroups[0].Members.Add(new RingGroupMemberOptions { Extension = "1099", Supervisor = true });
        await using var lab = await SupervisionHarness.StartAsync(options, ringingPhones: true);
        lab.Switch.AddUser(new FakeUser("1099", "pbx.lab", "Away") { Registered = false });
        await lab.OliviaTalksToAClientAsync();

        SupervisionStartResult result = await lab.Controller.StartSupervisionAsync(new SupervisionStartRequest(new UserIdentity("pbx.lab", "1099"), "1004", SupervisionMode.Spy)).WaitAsync(SupervisionHarness.Patience);

        Assert.Equal(SupervisionStartOutcome.Failed, result.Outcome);
        Assert.Equal("USER_NOT_REGISTERED", result.HangupCause);
        Assert.Empty(lab.Controller.ActiveSupervisions);
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Ended && e.EndReason == SupervisionEndReason.StartFailed);
    }

    [Theory]
    [InlineData("pbx.lab", "1010", "10 04")]
    [InlineData("pbx.lab", "1010", "1004\r\nbgapi")]
    [InlineData("pbx.lab", "10{10}", "1004")]
    [InlineData("pbx lab", "1010", "1004")]
    [InlineData("pbx.lab", "1010@x", "1004")]
    public async Task Malformed_values_are_refused_before_anything_reaches_the_wire(string tenant, string extension, string agent)
    {
        await using var lab = await SupervisionHarness.StartAsync(ringingPhones: true);
        int before = lab.AllCommands.Count;

        await Assert.ThrowsAsync<ArgumentException>(() => lab.Controller.StartSupervisionAsync(new SupervisionStartRequest(new UserIdentity(tenant, extension), agent, SupervisionMode.Spy)));

        Assert.Equal(before, lab.AllCommands.Count);
    }
}
