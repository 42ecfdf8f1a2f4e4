using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>A dashboard starts a supervision: the supervisor's phone rings on its own switch, the agent's call is on another.</summary>
public class CrossSwitchStartFromCodeTests
{
    private static readonly UserIdentity Benjamin = new("pbx.lab", "1010");

    [Fact]
    public async Task The_phone_rings_on_the_supervisors_switch_and_the_supervision_runs_on_the_agents_switch()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeCall olivia = await lab.ClientCallsAsync("b", "1004");

        SupervisionStartResult result = await lab.Cluster.StartSupervisionAsync(new SupervisionStartRequest(Benjamin, "1004", SupervisionMode.Whisper), supervisorSwitch: "a").WaitAsync(ClusterHarness.Patience);

        Assert.True(result.IsStarted, result.Detail);
        string phone = result.SupervisorLegId!;
        Assert.NotNull(lab.Switches["a"].GetChannel(phone));
        await lab.ArrivingLegAsync("b", olivia.BLeg.Uuid);
        CrossSwitchStoryTests.AssertHearing(lab, phone, olivia.BLeg.Uuid, olivia.ALeg.Uuid, oliviaHearsHim: true, clientHearsHim: false);
        SupervisionAuditEvent started = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, phone);
        Assert.Equal(("a", "b", SupervisionTrigger.Api), (started.SupervisorSwitch, started.AgentSwitch, started.Trigger));

        // Keys on the phone switch the mode on the agent's switch; ending by the phone's leg ends both.
        await lab.PressAsync(phone, '2', SupervisionMode.Barge);
        Assert.True(lab.Switches["b"].Hears(olivia.ALeg.Uuid, phone));
        Assert.True(await lab.Cluster.EndAsync(phone));
        await lab.HungUpAsync("a", phone);
    }

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "The test is about the interface a dashboard uses, not the concrete type.")]
    public async Task Without_a_switch_named_the_phone_is_found_on_the_switch_where_it_is_registered()
    {
        // Benjamin's phone is registered on c only; Olivia talks on a.
        await using var lab = await ClusterHarness.StartAsync(["a", "b", "c"], registered: (fs, ext) => ext != "1010" || fs == "c");
        FakeCall olivia = await lab.ClientCallsAsync("a", "1004");
        ISupervisionOperations operations = lab.Cluster;

        SupervisionStartResult result = await operations.StartSupervisionAsync(new SupervisionStartRequest(Benjamin, "1004", SupervisionMode.Barge)).WaitAsync(ClusterHarness.Patience);

        Assert.True(result.IsStarted, result.Detail);
        Assert.NotNull(lab.Switches["c"].GetChannel(result.SupervisorLegId!));
        await lab.ArrivingLegAsync("a", olivia.BLeg.Uuid);
        Assert.True(lab.Switches["a"].Hears(olivia.ALeg.Uuid, result.SupervisorLegId!));
        Assert.Equal(result.SupervisorLegId, Assert.Single(operations.ActiveSupervisions).SupervisorLegId);
    }

    [Fact]
    public async Task A_refusal_on_the_agents_switch_is_the_result_of_the_start()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        await lab.ClientCallsAsync("b", "1011");

        // Benjamin supervises support, not sales (Lena 1011): refused before any phone rings.
        SupervisionStartResult result = await lab.Cluster.StartSupervisionAsync(new SupervisionStartRequest(Benjamin, "1011", SupervisionMode.Spy), supervisorSwitch: "a").WaitAsync(ClusterHarness.Patience);

        Assert.Equal(SupervisionStartOutcome.Denied, result.Outcome);
        Assert.Equal(DenialReason.NotASupervisor, result.Decision?.Reason);
        Assert.DoesNotContain(lab.Switches["a"].Channels, c => c.Direction == "outbound");
    }
}
