using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Redis.Tests;
using EslSupervision.Testing;
using EslSupervision.Tests.Control;
using EslSupervision.Tests.Permissions;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Two controller replicas in cluster mode (each a <see cref="SupervisionCluster"/> over the same two linked fake
/// switches, each with its own connections), coordinated through a real redis-server. Benjamin is registered on a,
/// Olivia talks to a client on b: both replicas see the service-code park on a and the arrival on b, and exactly one
/// of them runs both halves; when it dies the other adopts the half on b; refusals are audited once.
/// </summary>
public sealed class ReplicaClusterTests : RedisReplicaTests
{
    private static readonly TimeSpan Patience = ReplicaClusterLab.Patience;
    private static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ShortRenew = TimeSpan.FromMilliseconds(400);

    private ReplicaClusterLab? _lab;

    [Fact]
    public async Task Both_replicas_see_both_parks_and_one_replica_runs_both_halves_with_one_eavesdrop_and_one_audit_trail()
    {
        ReplicaClusterLab lab = await LabAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3));
        FakeCall call = await lab.ClientCallsAsync("b", "1004");

        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*901004");
        (string acting, SupervisionAuditEvent started) = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        string other = Other(acting);
        FakeChannel arriving = await lab.ArrivingLegAsync("b", call.BLeg.Uuid);
        Assert.Equal(("a", "b", SupervisionMode.Spy), (started.SupervisorSwitch, started.AgentSwitch, started.Mode));

        // The other replica saw both parks: it asked for Benjamin's lease for the service code and again for the
        // arrival (which is leased under his leg on a), and was refused both times. The acting replica asked once:
        // it relays that leg, so it led the arrival without asking.
        string benjaminsKey = "a:" + benjamin.Uuid;
        await lab.Leases.WhenAsync(l => l.Attempts(benjaminsKey, other) == 2);
        Assert.Equal(0, lab.Leases.Attempts(benjaminsKey, other, acquired: true));
        Assert.Equal(1, lab.Leases.Attempts(benjaminsKey, acting));
        Assert.Equal(0, lab.Leases.Attempts("b:" + arriving.Uuid, other));

        // One eavesdrop on the wire (on b, by the arriving leg); Benjamin hears both sides, nobody hears him.
        Assert.Equal(1, lab.CommandsTo("b").Count(c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal)));
        Assert.DoesNotContain(lab.CommandsTo("a"), c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal));
        FakeFreeSwitch b = lab.Switches["b"];
        Assert.True(b.Hears(benjamin.Uuid, call.BLeg.Uuid));
        Assert.True(b.Hears(benjamin.Uuid, call.ALeg.Uuid));
        Assert.False(b.Hears(call.BLeg.Uuid, benjamin.Uuid));
        Assert.False(b.Hears(call.ALeg.Uuid, benjamin.Uuid));

        b.Hangup(call.ALeg.Uuid);
        await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        await lab.HungUpAsync("b", arriving.Uuid);
        await lab.HungUpAsync("a", benjamin.Uuid);

        (string Replica, SupervisionAuditEvent Entry)[] trail = [.. lab.AuditTrail.Where(x => x.Entry.SupervisorLegId == benjamin.Uuid || x.Entry.SupervisorLegId == arriving.Uuid)];
        Assert.All(trail, x => Assert.Equal(acting, x.Replica));
        Assert.Single(trail, x => x.Entry.Kind == SupervisionAuditKind.Requested);
        Assert.Single(trail, x => x.Entry.Kind == SupervisionAuditKind.Started);
        Assert.Single(trail, x => x.Entry.Kind == SupervisionAuditKind.Ended);
        Assert.DoesNotContain(lab.AuditTrail, x => x.Entry.Kind == SupervisionAuditKind.Denied);
        Assert.Empty(lab.Replicas[other].Cluster.ActiveSupervisions);
    }

    [Theory]
    [InlineData("the client hangs up on b")]
    [InlineData("Benjamin hangs up on a")]
    public async Task When_the_acting_replica_dies_mid_cross_switch_supervision_the_other_adopts_it_keys_still_switch_and_either_hang_up_ends_both(string end)
    {
        ReplicaClusterLab lab = await LabAsync(ShortLease, ShortRenew);
        FakeCall call = await lab.ClientCallsAsync("b", "1004");
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*911004");
        (string acting, _) = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        string survivor = Other(acting);
        FakeChannel arriving = await lab.ArrivingLegAsync("b", call.BLeg.Uuid);

        var died = System.Diagnostics.Stopwatch.StartNew();
        await lab.KillAsync(acting);

        // The survivor's orphan sweep on b finds the eavesdrop unleased and adopts it, with the supervisor and origin
        // leg the acting replica stored on the arriving leg.
        (string adopter, SupervisionAuditEvent adopted) = await lab.WaitForAuditAsync(SupervisionAuditKind.Adopted, benjamin.Uuid);
        Assert.True(died.Elapsed < ShortLease + ShortRenew + TimeSpan.FromSeconds(3), $"adopted after {died.Elapsed}");
        Assert.Equal(survivor, adopter);
        Assert.Equal(("1010@pbx.lab", "a", "b", SupervisionMode.Whisper), (adopted.Supervisor?.ToString(), adopted.SupervisorSwitch, adopted.AgentSwitch, adopted.Mode));

        // Keys pressed on Benjamin's phone on a still switch the mode on b.
        await lab.Switches["a"].PressDigitAsync(benjamin.Uuid, '2');
        (string switcher, _) = await lab.WaitForAuditAsync((_, e) => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Barge && e.SupervisorLegId == benjamin.Uuid);
        Assert.Equal(survivor, switcher);
        FakeFreeSwitch b = lab.Switches["b"];
        Assert.True(b.Hears(call.ALeg.Uuid, benjamin.Uuid));
        Assert.True(b.Hears(call.BLeg.Uuid, benjamin.Uuid));

        SupervisionEndReason expected;
        if (end == "the client hangs up on b")
        {
            b.Hangup(call.ALeg.Uuid);
            expected = SupervisionEndReason.AgentCallEnded;
        }
        else
        {
            lab.Switches["a"].Hangup(benjamin.Uuid);
            expected = SupervisionEndReason.SupervisorHungUp;
        }

        (string ender, SupervisionAuditEvent ended) = await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        Assert.Equal((survivor, expected), (ender, ended.EndReason));
        await lab.HungUpAsync("b", arriving.Uuid);
        await lab.HungUpAsync("a", benjamin.Uuid);
        Assert.Empty(lab.Replicas[survivor].Cluster.ActiveSupervisions);
        if (expected == SupervisionEndReason.SupervisorHungUp)
        {
            Assert.False(b.GetChannel(call.BLeg.Uuid)!.IsHungUp, "Olivia's call goes on without Benjamin");
        }

        Assert.Single(lab.AuditTrail, x => x.Entry.Kind == SupervisionAuditKind.Adopted);
    }

    [Theory]
    [InlineData("a registered phone dials it")]
    [InlineData("it came over a trunk the peer dialplan did not admit")]
    public async Task A_token_shaped_call_that_is_not_from_a_peer_is_refused_once_with_two_replicas(string how)
    {
        ReplicaClusterLab lab = await LabAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3));
        FakeCall call = await lab.ClientCallsAsync("b", "1004");
        string originLeg = Guid.NewGuid().ToString();
        string token = Issue(lab, new SupervisionHandOff(new UserIdentity("pbx.lab", "1010"), "a", originLeg, call.BLeg.Uuid, "1004", SupervisionMode.Spy, "b"));

        FakeChannel parked;
        if (how == "a registered phone dials it")
        {
            parked = lab.Switches["b"].DialParked("1010", "pbx.lab", token);
        }
        else
        {
            lab.Switches["b"].Options.MarkSupervisionPeers = false;
            parked = await SendOverTrunkAsync(lab, token);
        }

        (_, SupervisionAuditEvent denied) = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, parked.Uuid);
        Assert.Equal(DenialReason.InvalidToken, denied.DenialReason);
        FakeChannel refused = await lab.HungUpAsync("b", parked.Uuid);
        Assert.Equal("CALL_REJECTED", refused.HangupCause);

        // Both replicas competed for the arrival (under the origin leg its token names) before looking at it; one
        // lost and stayed silent.
        await lab.Leases.WhenAsync(l => l.Attempts("a:" + originLeg, "r1") + l.Attempts("a:" + originLeg, "r2") == 2);
        Assert.Equal(1, lab.Leases.Attempts("a:" + originLeg, "r1", acquired: true) + lab.Leases.Attempts("a:" + originLeg, "r2", acquired: true));
        Assert.Single(lab.AuditTrail, x => x.Entry.Kind == SupervisionAuditKind.Requested && x.Entry.SupervisorLegId == parked.Uuid);
        Assert.Single(lab.AuditTrail, x => x.Entry.Kind == SupervisionAuditKind.Denied && x.Entry.SupervisorLegId == parked.Uuid);
        Assert.Equal(1, lab.Executions("b", parked.Uuid, "playback"));
        Assert.Null(lab.Switches["b"].GetEavesdropTarget(parked.Uuid));
        Assert.False(lab.Switches["b"].Hears(parked.Uuid, call.BLeg.Uuid));
    }

    [Fact]
    public async Task A_leg_bridged_by_a_replica_that_died_before_its_arrival_was_decided_gets_a_decision_once_the_dead_lease_runs_out()
    {
        ReplicaClusterLab lab = await LabAsync(ShortLease, ShortRenew);
        FakeCall call = await lab.ClientCallsAsync("b", "1004");

        // A third replica took Benjamin's lease on a, bridged his leg to b with a token, and died before b decided.
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "5000");
        ISupervisionCoordinator ghost = await lab.GhostCoordinatorAsync(Redis);
        SupervisionLeaseResult held = await ghost.TryAcquireAsync(new SupervisionLeaseKey("a", benjamin.Uuid), "r-dead", ShortLease, new SupervisionLeaseDetails());
        Assert.True(held.Acquired);
        string token = Issue(lab, new SupervisionHandOff(new UserIdentity("pbx.lab", "1010"), "a", benjamin.Uuid, call.BLeg.Uuid, "1004", SupervisionMode.Spy, "b"));
        FakeChannel arriving = await SendOverTrunkAsync(lab, token, benjamin);

        // Both live replicas see the arrival and leave it to the lease holder, without a word.
        string key = "a:" + benjamin.Uuid;
        await lab.Leases.WhenAsync(l => l.Attempts(key, "r1", acquired: false) >= 1 && l.Attempts(key, "r2", acquired: false) >= 1);
        Assert.DoesNotContain(lab.AuditTrail, x => x.Entry.SupervisorLegId == arriving.Uuid || x.Entry.SupervisorLegId == benjamin.Uuid);
        Assert.False(arriving.IsHungUp);

        // Meanwhile the token runs out: whoever decides now must refuse it, audibly, instead of leaving the leg parked.
        lab.TokenTime.Advance(lab.TokenOptions.TokenLifetime + lab.TokenOptions.ClockSkew + TimeSpan.FromSeconds(1));
        (_, SupervisionAuditEvent denied) = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, arriving.Uuid);
        Assert.True(denied.At >= held.Lease!.ExpiresAt, $"decided at {denied.At:O}, before the dead lease ran out at {held.Lease.ExpiresAt:O}");
        Assert.Equal(DenialReason.InvalidToken, denied.DenialReason);
        Assert.Contains("Expired", denied.Detail, StringComparison.Ordinal);
        Assert.Equal("CALL_REJECTED", (await lab.HungUpAsync("b", arriving.Uuid)).HangupCause);
        await lab.HungUpAsync("a", benjamin.Uuid);

        Assert.Single(lab.AuditTrail, x => x.Entry.Kind == SupervisionAuditKind.Denied);
        Assert.Equal(1, lab.Executions("b", arriving.Uuid, "playback"));
        Assert.False(lab.Switches["b"].Hears(arriving.Uuid, call.BLeg.Uuid));
    }

    [Fact]
    public async Task With_Redis_down_a_leg_arriving_from_a_peer_is_refused_audibly_for_want_of_a_lease_before_its_token_is_spent()
    {
        ReplicaClusterLab lab = await LabAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3));
        FakeCall call = await lab.ClientCallsAsync("b", "1004");
        string token = Issue(lab, new SupervisionHandOff(new UserIdentity("pbx.lab", "1010"), "a", Guid.NewGuid().ToString(), call.BLeg.Uuid, "1004", SupervisionMode.Spy, "b"));
        await Redis.StopAsync();

        FakeChannel arriving = await SendOverTrunkAsync(lab, token);

        (_, SupervisionAuditEvent denied) = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, arriving.Uuid);
        Assert.Equal(DenialReason.CoordinationUnavailable, denied.DenialReason);
        Assert.Equal("CALL_REJECTED", (await lab.HungUpAsync("b", arriving.Uuid)).HangupCause);
        Assert.True(lab.Executions("b", arriving.Uuid, "playback") >= 1);
        Assert.DoesNotContain(lab.CommandsTo("b"), c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.AuditTrail, x => x.Entry.DenialReason == DenialReason.InvalidToken || x.Entry.Kind == SupervisionAuditKind.Started);
    }

    [Fact]
    public async Task A_replica_that_pauses_past_its_lease_mid_cross_switch_supervision_is_fenced_off_and_only_the_adopting_replica_acts()
    {
        ReplicaClusterLab lab = await LabAsync(ShortLease, ShortRenew);
        FakeCall call = await lab.ClientCallsAsync("b", "1004");
        FakeChannel benjamin = lab.Switches["a"].DialParked("1010", "pbx.lab", "*901004");
        (string acting, _) = await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        string survivor = Other(acting);
        FakeChannel arriving = await lab.ArrivingLegAsync("b", call.BLeg.Uuid);

        // The acting replica stalls: its renewals hang, its leases run out, the other adopts the half on b.
        lab.Leases.Pause(acting);
        (string adopter, _) = await lab.WaitForAuditAsync(SupervisionAuditKind.Adopted, benjamin.Uuid);
        Assert.Equal(survivor, adopter);
        await lab.Switches["a"].PressDigitAsync(benjamin.Uuid, '1');
        await lab.WaitForAuditAsync((r, e) => r == survivor && e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Whisper && e.SupervisorLegId == benjamin.Uuid);

        // It comes back believing it still runs the supervision: the fence refuses its renewal and it lets go.
        lab.Leases.Resume(acting);
        await lab.Leases.RenewalRefusedAsync(acting);
        await lab.Switches["a"].PressDigitAsync(benjamin.Uuid, '2');
        await lab.WaitForAuditAsync((r, e) => r == survivor && e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Barge && e.SupervisorLegId == benjamin.Uuid);
        Assert.True(lab.Switches["b"].Hears(call.ALeg.Uuid, benjamin.Uuid));

        lab.Switches["b"].Hangup(call.ALeg.Uuid);
        (string ender, _) = await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        Assert.Equal(survivor, ender);
        await lab.HungUpAsync("a", benjamin.Uuid);

        // Two mode switches on the wire, both by the survivor; the stale replica audited nothing after its start.
        Assert.Equal(2, lab.CommandsTo("b").Count(c => c.Contains("esl_supervision::mode", StringComparison.Ordinal) && c.Contains(arriving.Uuid, StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(lab.AuditTrail, x => x.Replica == acting && x.Entry.Kind is SupervisionAuditKind.ModeChanged or SupervisionAuditKind.Ended or SupervisionAuditKind.Adopted);
        Assert.Empty(lab.Replicas[acting].Cluster.ActiveSupervisions);
    }

    [Fact]
    public async Task A_cluster_coordinates_every_switch_under_one_replica_id_and_only_before_it_starts()
    {
        ReplicaClusterLab lab = await LabAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3));
        SupervisionCluster cluster = lab.Replicas["r1"].Cluster;
        Assert.Equal("r1", cluster.ReplicaId);
        Assert.All(cluster.Switches, s => Assert.Equal("r1", cluster.GetController(s).ReplicaId));
        Assert.Throws<InvalidOperationException>(() => cluster.UseCoordination(new InMemorySupervisionCoordinator(), new SupervisionCoordinationOptions()));

        // Without an id configured, one is generated once and shared by every switch's controller.
        await using var clientA = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Password = "x" });
        await using var clientB = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Password = "x" });
        var settings = new TestOptionsMonitor<SupervisionOptions>(SupervisionHarness.LabOptions());
        await using var unstarted = SupervisionCluster.Create(
            [new SupervisionCluster.SwitchEndpoint("a", clientA, null), new SupervisionCluster.SwitchEndpoint("b", clientB, null)],
            new RingGroupPermissionProvider(settings),
            settings);
        Assert.Null(unstarted.ReplicaId);
        Assert.Throws<ArgumentException>(() => unstarted.UseCoordination(new InMemorySupervisionCoordinator(), new SupervisionCoordinationOptions { LeaseTime = TimeSpan.Zero }));
        unstarted.UseCoordination(new InMemorySupervisionCoordinator(), new SupervisionCoordinationOptions());
        Assert.NotNull(unstarted.ReplicaId);
        Assert.Equal(unstarted.ReplicaId, unstarted.GetController("b").ReplicaId);
    }

    private static string Other(string replica) => replica == "r1" ? "r2" : "r1";

    private static string Issue(ReplicaClusterLab lab, SupervisionHandOff handOff)
    {
        Assert.True(lab.Issuer.TryIssue(handOff, out IssuedSupervisionToken? token, out string? error), error);
        return token.Destination;
    }

    /// <summary>Bridges a leg on a (parked by no controller: not a service code) over the trunk to b with <paramref name="token"/>, from a client of the test's own.</summary>
    private static async Task<FakeChannel> SendOverTrunkAsync(ReplicaClusterLab lab, string token, FakeChannel? leg = null)
    {
        FakeFreeSwitch origin = lab.Switches["a"];
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = origin.Port, Password = "lab-secret" });
        await client.ConnectAsync();
        leg ??= origin.DialParked("1005", "pbx.lab", "5000");
        Task<FakeChannel> arrived = lab.Switches["b"].WaitForChannelAsync(c => c.TrunkPeerUuid is not null && c.DestinationNumber == token).WaitAsync(Patience);
        await client.ExecuteAsync(leg.Uuid, "set", "hangup_after_bridge=true");
        await client.ExecuteAsync(leg.Uuid, "bridge", $"sofia/gateway/to-b/{token}");
        return await arrived;
    }

    [Fact]
    public async Task The_arriving_leg_asks_for_its_own_lease_while_its_token_is_being_spent_not_after()
    {
        // Each replica's token store spends a token only once a lease on switch b (the arriving leg's) has been asked
        // for. Taken one after the other (token, then lease), the spend would wait for a lease request that never
        // comes, time out, and the arrival would be refused; taken side by side, the supervision starts.
        _lab = Own(await ReplicaClusterLab.StartAsync(Redis, ["a", "b"], ["r1", "r2"], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3), (leases, store) => new SpendAfterLeaseOnB(store, leases)));
        FakeCall call = await _lab.ClientCallsAsync("b", "1004");

        FakeChannel benjamin = _lab.Switches["a"].DialParked("1010", "pbx.lab", "*901004");
        await _lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);

        Assert.True(_lab.Switches["b"].Hears(benjamin.Uuid, call.BLeg.Uuid));
        Assert.DoesNotContain(_lab.AuditTrail, x => x.Entry.Kind == SupervisionAuditKind.Denied);
    }

    private async Task<ReplicaClusterLab> LabAsync(TimeSpan leaseTime, TimeSpan renewInterval)
    {
        _lab = Own(await ReplicaClusterLab.StartAsync(Redis, ["a", "b"], ["r1", "r2"], leaseTime, renewInterval));
        return _lab;
    }

    /// <summary>A token store that holds a spend back until some replica has asked for a lease on switch b.</summary>
    private sealed class SpendAfterLeaseOnB(ISupervisionTokenStore inner, LeaseRecorder leases) : ISupervisionTokenStore
    {
        public async ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
        {
            await leases.WhenAsync(l => l.AttemptsOnSwitch("b") > 0).WaitAsync(cancellationToken);
            return await inner.TryConsumeAsync(nonce, expiresAt, cancellationToken);
        }
    }
}
