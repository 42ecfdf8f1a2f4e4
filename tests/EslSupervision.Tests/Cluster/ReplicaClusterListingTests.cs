using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Redis.Tests;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Two replicas in cluster mode over two linked fake switches and a real redis-server: a supervision across switches
/// is listed once by either replica, by the supervisor's own leg on the origin switch, with both switches and the
/// replica that runs it; the other replica answers a mode switch by naming that replica.
/// </summary>
public sealed class ReplicaClusterListingTests : RedisReplicaTests
{
    [Fact]
    public async Task Either_replica_lists_a_cross_switch_supervision_once_by_the_supervisors_own_leg_with_both_switches_and_the_replica_running_it()
    {
        ReplicaClusterLab lab = Own(await ReplicaClusterLab.StartAsync(Redis, ["a", "b"], ["r1", "r2"], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3)));
        FakeCall call = await lab.ClientCallsAsync("b", "1004");

        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*901004");
        (string acting, _) = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        string other = lab.Replicas.Keys.Single(id => id != acting);
        FakeChannel arriving = await lab.ArrivingLegAsync("b", call.BLeg.Uuid);
        await lab.Leases.WhenAsync(l => l.RecordedMode("b:" + arriving.Uuid, SupervisionMode.Spy));

        foreach (string replica in new[] { acting, other })
        {
            SupervisionInfo listed = Assert.Single(await lab.Replicas[replica].Cluster.ListActiveSupervisionsAsync());
            Assert.Equal(benjamin.Uuid, listed.SupervisorLegId, ignoreCase: true);
            Assert.Equal(call.BLeg.Uuid, listed.AgentLegId, ignoreCase: true);
            Assert.Equal(("a", "b", SupervisionMode.Spy, acting), (listed.SupervisorSwitch, listed.AgentSwitch, listed.Mode, listed.Replica));
            Assert.Equal("1010", listed.Supervisor?.Extension);
        }

        PermissionDecision refused = await lab.Replicas[other].Cluster.SwitchModeAsync(benjamin.Uuid, SupervisionMode.Barge).WaitAsync(ReplicaClusterLab.Patience);
        Assert.Equal(DenialReason.RunByAnotherReplica, refused.Reason);
        Assert.Contains(acting, refused.Detail, StringComparison.Ordinal);
        Assert.False(lab.Switches["b"].Hears(call.ALeg.Uuid, benjamin.Uuid)); // still spying, not barging
        Assert.Empty(lab.Replicas[other].Cluster.ActiveSupervisions);
    }
}
