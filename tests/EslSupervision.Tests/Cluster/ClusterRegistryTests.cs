using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>Many switches, one view: agents found wherever their call is, each switch resynchronised on its own.</summary>
public class ClusterRegistryTests
{
    [Fact]
    public async Task An_agents_call_is_found_on_whichever_switch_holds_it()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeCall olivia = await lab.ClientCallsAsync("a", "1004");
        FakeCall sam = await lab.ClientCallsAsync("b", "1005");

        CallLeg? oliviaLeg = lab.Cluster.Registry.FindActiveAgentLeg("pbx.lab", "1004");
        CallLeg? samLeg = lab.Cluster.Registry.FindActiveAgentLeg("pbx.lab", "1005");
        Assert.Equal(olivia.BLeg.Uuid, oliviaLeg?.UniqueId);
        Assert.Equal(sam.BLeg.Uuid, samLeg?.UniqueId);
        Assert.Equal("a", lab.Cluster.Directory.SwitchOf(olivia.BLeg.Uuid));
        Assert.Equal("b", lab.Cluster.Directory.SwitchOf(sam.BLeg.Uuid));
        Assert.Null(lab.Cluster.Directory.SwitchOf(Guid.NewGuid().ToString()));

        // The dashboard's view: one snapshot with both switches' calls, each switch's registry only its own.
        CallRegistrySnapshot snapshot = lab.Cluster.Registry.GetSnapshot();
        Assert.Equal(
            new[] { olivia.ALeg.Uuid, olivia.BLeg.Uuid, sam.ALeg.Uuid, sam.BLeg.Uuid }.Order(),
            snapshot.ForTenant("pbx.lab").Select(l => l.UniqueId).Order());
        Assert.Null(lab.Cluster.RegistryOf("a").GetLeg(sam.BLeg.Uuid));
    }

    [Fact]
    public async Task A_supervision_on_one_switch_runs_as_on_a_single_switch_and_the_audit_names_the_switch()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeCall sam = await lab.ClientCallsAsync("b", "1005");
        FakeChannel benjamin = lab.Switches["b"].DialParked("1010", "pbx.lab", "*911005");

        SupervisionAuditEvent started = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await lab.EavesdroppingAsync("b", benjamin.Uuid);
        Assert.Equal("b", started.SupervisorSwitch);
        Assert.Equal("b", started.AgentSwitch);
        Assert.True(lab.Switches["b"].Hears(sam.BLeg.Uuid, benjamin.Uuid));
        Assert.False(lab.Switches["b"].Hears(sam.ALeg.Uuid, benjamin.Uuid));

        SupervisionInfo running = Assert.Single(lab.Cluster.ActiveSupervisions);
        Assert.Equal((benjamin.Uuid, "b", "b"), (running.SupervisorLegId, running.SupervisorSwitch, running.AgentSwitch));
        Assert.True((await lab.Cluster.SwitchModeAsync(benjamin.Uuid, SupervisionMode.Barge)).IsAllowed);
        Assert.True(lab.Switches["b"].Hears(sam.ALeg.Uuid, benjamin.Uuid));
        Assert.True(await lab.Cluster.EndAsync(benjamin.Uuid));
        await lab.HungUpAsync("b", benjamin.Uuid);
        Assert.Empty(lab.Cluster.ActiveSupervisions);
    }

    [Fact]
    public async Task One_switch_lost_leaves_the_others_supervising_and_its_calls_resync_when_it_comes_back()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"]);
        FakeFreeSwitch a = lab.Switches["a"];
        FakeFreeSwitch b = lab.Switches["b"];
        FakeCall olivia = await lab.ClientCallsAsync("a", "1004");
        FakeCall sam = await lab.ClientCallsAsync("b", "1005");
        FakeChannel benjamin = a.DialParked("1010", "pbx.lab", "*901004");
        await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await lab.EavesdroppingAsync("a", benjamin.Uuid);

        // Switch b goes away: its connection drops and it refuses the controller until it is back.
        Task lost = lab.Clients["b"].StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask().WaitAsync(ClusterHarness.Patience);
        b.Options.Password = "b-is-down";
        b.Connections.Single().Abort();
        await lost;

        // Switch a is not affected: Benjamin's keys still work there, and new requests are still decided.
        await a.PressDigitAsync(benjamin.Uuid, '1');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.SupervisorLegId == benjamin.Uuid && e.Mode == SupervisionMode.Whisper);
        Assert.True(a.Hears(olivia.BLeg.Uuid, benjamin.Uuid));
        Assert.False(a.Hears(olivia.ALeg.Uuid, benjamin.Uuid));
        Assert.Equal(EslConnectionState.Connected, lab.Clients["a"].State);

        // While b is away its calls change: Sam's call ends, Lena takes a new one.
        b.Hangup(sam.ALeg.Uuid);
        FakeCall lena = b.ClientCallsAgent("4915550009", "Client", "5551000", "1011", "pbx.lab");
        Assert.NotNull(lab.Cluster.RegistryOf("b").GetLeg(sam.BLeg.Uuid)); // stale until b is back, and only b's
        Assert.Null(lab.Cluster.Registry.FindActiveAgentLeg("pbx.lab", "1011"));

        // b comes back: the client reconnects and b's controller resynchronises b's calls only.
        Task resynced = lab.Cluster.Registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelEnded && c.Leg.UniqueId == sam.BLeg.Uuid).ToTask().WaitAsync(ClusterHarness.Patience);
        b.Options.Password = "lab-secret";
        await resynced;
        Assert.Equal(lena.BLeg.Uuid, lab.Cluster.Registry.FindActiveAgentLeg("pbx.lab", "1011")?.UniqueId);
        Assert.Equal("b", lab.Cluster.Directory.SwitchOf(lena.BLeg.Uuid));
        Assert.Null(lab.Cluster.Registry.FindActiveAgentLeg("pbx.lab", "1005"));
        Assert.Equal(olivia.BLeg.Uuid, lab.Cluster.Registry.FindActiveAgentLeg("pbx.lab", "1004")?.UniqueId);
        Assert.Single(lab.Cluster.ActiveSupervisions);

        // And b supervises again.
        FakeChannel mia = b.DialParked("1012", "pbx.lab", "*921011");
        await lab.WaitForAuditAsync(SupervisionAuditKind.Started, mia.Uuid);
        await lab.EavesdroppingAsync("b", mia.Uuid);
        Assert.True(b.Hears(lena.ALeg.Uuid, mia.Uuid));
    }

    [Fact]
    public async Task Without_a_token_key_a_supervisor_on_another_switch_is_refused_audibly_and_audited()
    {
        await using var lab = await ClusterHarness.StartAsync(["a", "b"], withTokens: false);
        FakeCall sam = await lab.ClientCallsAsync("b", "1005");
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*901005");

        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, benjamin.Uuid);
        Assert.Equal(DenialReason.SwitchUnavailable, denied.DenialReason);
        Assert.Equal(("a", "b"), (denied.SupervisorSwitch, denied.AgentSwitch));
        await lab.RefusedAudiblyAsync("a", benjamin.Uuid);
        Assert.DoesNotContain(lab.Switches["a"].Connections.SelectMany(c => c.ReceivedCommands), c => c.Contains("execute-app-name: bridge", StringComparison.Ordinal));
        Assert.False(lab.Switches["b"].Hears(sam.BLeg.Uuid, benjamin.Uuid));
    }
}
