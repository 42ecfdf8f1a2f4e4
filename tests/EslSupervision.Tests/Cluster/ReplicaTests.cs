using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Redis;
using EslSupervision.Redis.Tests;
using EslSupervision.Testing;
using EslSupervision.Tests.Control;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Two controller replicas on one (fake) switch, coordinated through a real redis-server: both see every
/// service-code park, exactly one acts on it and audits it; with Redis down no supervision starts (audible
/// refusal), and once Redis is back the replicas supervise again without a restart.
/// </summary>
public sealed class ReplicaTests : RedisReplicaTests
{
    private static readonly TimeSpan Patience = SupervisionHarness.Patience;

    [Fact]
    public async Task Both_replicas_see_the_park_and_exactly_one_starts_the_eavesdrop_and_audits_it()
    {
        (SupervisionHarness a, SupervisionHarness b, LeaseRecorder acquisitions, _) = await TwoReplicasAsync();
        FakeCall call = await a.OliviaTalksToAClientAsync();

        FakeChannel benjamin = a.Switch.DialParked("1010", "pbx.lab", "*911004");
        await acquisitions.BothAnsweredAsync(benjamin.Uuid).WaitAsync(Patience);
        (SupervisionHarness winner, SupervisionHarness loser) = acquisitions.WinnerOf(benjamin.Uuid) == "replica-a" ? (a, b) : (b, a);

        await winner.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await winner.EavesdroppingAsync(benjamin.Uuid);
        Assert.True(a.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));
        Assert.True(a.Switch.Hears(benjamin.Uuid, call.ALeg.Uuid));
        // *91 is whisper: Olivia hears Benjamin, the client does not.
        Assert.True(a.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
        Assert.False(a.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));

        a.Switch.Hangup(call.ALeg.Uuid);
        await winner.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        await a.HungUpAsync(benjamin.Uuid);

        // One eavesdrop on the wire, one audit trail, from the lease holder only.
        Assert.Single(a.AllCommands, c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal) && c.Contains(benjamin.Uuid, StringComparison.OrdinalIgnoreCase));
        Assert.Single(winner.AuditTrail, e => e.Kind == SupervisionAuditKind.Requested && e.SupervisorLegId == benjamin.Uuid);
        Assert.Single(winner.AuditTrail, e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == benjamin.Uuid);
        Assert.DoesNotContain(loser.AuditTrail, e => e.SupervisorLegId == benjamin.Uuid);
        Assert.Empty(loser.Controller.ActiveSupervisions);
    }

    [Fact]
    public async Task With_Redis_down_a_service_code_call_is_refused_audibly_and_once_Redis_is_back_the_replicas_supervise_again_without_restart()
    {
        (SupervisionHarness a, SupervisionHarness b, _, RedisCoordinationConnection[] connections) = await TwoReplicasAsync();
        FakeCall call = await a.OliviaTalksToAClientAsync();
        var restored = connections.Select(c =>
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            c.ConnectionRestored += (_, _) => signal.TrySetResult();
            return signal.Task;
        }).ToArray();

        await Redis.StopAsync();
        FakeChannel refused = a.Switch.DialParked("1010", "pbx.lab", "*911004");

        SupervisionAuditEvent denial = await FirstOfAsync(
            a.WaitForAuditAsync(SupervisionAuditKind.Denied, refused.Uuid),
            b.WaitForAuditAsync(SupervisionAuditKind.Denied, refused.Uuid));
        Assert.Equal(DenialReason.CoordinationUnavailable, denial.DenialReason);
        await a.HungUpAsync(refused.Uuid);
        Assert.Contains(a.AllCommands, c => c.StartsWith("sendmsg " + refused.Uuid, StringComparison.Ordinal) && c.Contains("execute-app-name: playback", StringComparison.Ordinal));
        Assert.DoesNotContain(a.AllCommands, c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal));
        Assert.False(a.Switch.Hears(refused.Uuid, call.BLeg.Uuid));
        Assert.DoesNotContain(a.AuditTrail.Concat(b.AuditTrail), e => e.Kind == SupervisionAuditKind.Started);

        await Redis.StartAgainAsync();
        await Task.WhenAll(restored).WaitAsync(TimeSpan.FromSeconds(30));

        FakeChannel benjamin = a.Switch.DialParked("1010", "pbx.lab", "*911004");
        await FirstOfAsync(
            a.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid),
            b.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid));
        await a.EavesdroppingAsync(benjamin.Uuid);
        Assert.True(a.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));
    }

    [Fact]
    public async Task When_the_acting_replica_dies_mid_supervision_the_other_adopts_it_within_the_lease_time_and_keys_and_the_end_still_work()
    {
        TimeSpan lease = TimeSpan.FromSeconds(1);
        TimeSpan renew = TimeSpan.FromMilliseconds(400);
        (SupervisionHarness a, SupervisionHarness b, LeaseRecorder acquisitions, _) = await TwoReplicasAsync(lease, renew);
        FakeCall call = await a.OliviaTalksToAClientAsync();
        FakeChannel benjamin = a.Switch.DialParked("1010", "pbx.lab", "*911004");
        await acquisitions.BothAnsweredAsync(benjamin.Uuid).WaitAsync(Patience);
        (SupervisionHarness acting, SupervisionHarness survivor) = acquisitions.WinnerOf(benjamin.Uuid) == "replica-a" ? (a, b) : (b, a);
        await acting.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await acting.EavesdroppingAsync(benjamin.Uuid);

        // The acting replica dies: it stops handling events and renewing its lease.
        var died = System.Diagnostics.Stopwatch.StartNew();
        await acting.Controller.DisposeAsync();

        SupervisionAuditEvent adopted = await survivor.WaitForAuditAsync(SupervisionAuditKind.Adopted, benjamin.Uuid);
        // Within the lease time plus one sweep, with slack for a busy machine.
        Assert.True(died.Elapsed < lease + renew + TimeSpan.FromSeconds(3), $"adopted after {died.Elapsed}");
        Assert.Equal(SupervisionMode.Whisper, adopted.Mode);
        Assert.Single(survivor.Controller.ActiveSupervisions, s => s.SupervisorLegId == benjamin.Uuid);

        await a.Switch.PressDigitAsync(benjamin.Uuid, '0');
        await survivor.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Spy && e.SupervisorLegId == benjamin.Uuid);
        Assert.False(a.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
        Assert.True(a.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));

        a.Switch.Hangup(call.ALeg.Uuid);
        Assert.Equal(SupervisionEndReason.AgentCallEnded, (await survivor.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid)).EndReason);
        await a.HungUpAsync(benjamin.Uuid);
        Assert.Single(survivor.AuditTrail, e => e.Kind == SupervisionAuditKind.Adopted && e.SupervisorLegId == benjamin.Uuid);
        Assert.DoesNotContain(acting.AuditTrail, e => e.Kind == SupervisionAuditKind.Adopted);
    }

    [Fact]
    public async Task A_replica_that_pauses_past_its_lease_and_comes_back_is_fenced_off_and_only_the_adopting_replica_acts()
    {
        (SupervisionHarness a, SupervisionHarness b, LeaseRecorder coordinator, _) = await TwoReplicasAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(400));
        FakeCall call = await a.OliviaTalksToAClientAsync();
        FakeChannel benjamin = a.Switch.DialParked("1010", "pbx.lab", "*911004");
        await coordinator.BothAnsweredAsync(benjamin.Uuid).WaitAsync(Patience);
        string actingId = coordinator.WinnerOf(benjamin.Uuid);
        (SupervisionHarness acting, SupervisionHarness survivor) = actingId == "replica-a" ? (a, b) : (b, a);
        await acting.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await acting.EavesdroppingAsync(benjamin.Uuid);

        // The acting replica stalls (a long GC pause, a frozen VM): its next renewal does not get through, and its
        // supervision's work queues up behind it. Its lease runs out and the other replica adopts the supervision.
        coordinator.Pause(actingId);
        await survivor.WaitForAuditAsync(SupervisionAuditKind.Adopted, benjamin.Uuid);
        await a.Switch.PressDigitAsync(benjamin.Uuid, '0');
        await survivor.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Spy && e.SupervisorLegId == benjamin.Uuid);

        // It comes back still believing it runs the supervision: its renewal is refused by the fence, and it drops it.
        coordinator.Resume(actingId);
        await coordinator.RenewalRefusedAsync(actingId).WaitAsync(Patience);

        await a.Switch.PressDigitAsync(benjamin.Uuid, '2');
        await survivor.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Barge && e.SupervisorLegId == benjamin.Uuid);
        Assert.True(a.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
        a.Switch.Hangup(call.ALeg.Uuid);
        await survivor.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        await a.HungUpAsync(benjamin.Uuid);

        // Only the adopting replica acted: two mode switches on the wire, none audited by the stale replica.
        Assert.Equal(2, a.AllCommands.Count(c => c.Contains("esl_supervision::mode", StringComparison.Ordinal) && c.Contains(benjamin.Uuid, StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(acting.AuditTrail, e => e.Kind is SupervisionAuditKind.ModeChanged or SupervisionAuditKind.Ended or SupervisionAuditKind.Adopted);
        Assert.Empty(acting.Controller.ActiveSupervisions);
    }

    [Fact]
    public async Task A_supervision_started_from_code_on_one_replica_is_leased_so_the_other_replica_never_adopts_it()
    {
        (SupervisionHarness a, SupervisionHarness b, LeaseRecorder coordinator, _) = await TwoReplicasAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(400));
        FakeCall call = await a.OliviaTalksToAClientAsync();

        SupervisionStartResult result = await a.Controller.StartSupervisionAsync(new SupervisionStartRequest(new EslSupervision.Calls.UserIdentity("pbx.lab", "1010"), "1004", SupervisionMode.Spy)).WaitAsync(Patience);
        Assert.Equal(SupervisionStartOutcome.Started, result.Outcome);
        string supervisorLeg = Assert.IsType<string>(result.SupervisorLegId);
        await a.EavesdroppingAsync(supervisorLeg);

        // Well past the lease time, while the other replica sweeps for unleased supervisions every 400 ms.
        await coordinator.RenewalsAsync("replica-a", 5).WaitAsync(Patience);

        Assert.DoesNotContain(b.AuditTrail, e => e.SupervisorLegId == supervisorLeg);
        Assert.Empty(b.Controller.ActiveSupervisions);
        Assert.True(a.Switch.Hears(supervisorLeg, call.BLeg.Uuid));
    }

    /// <summary>
    /// The first of two replicas' waits to complete. Only one replica audits a call, so the other's wait times out
    /// later: it is observed here, or its time-out would surface as an unobserved task exception after the test.
    /// </summary>
    private static async Task<T> FirstOfAsync<T>(params Task<T>[] waits)
    {
        foreach (Task<T> wait in waits)
        {
            _ = wait.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        return await await Task.WhenAny(waits);
    }

    private async Task<(SupervisionHarness A, SupervisionHarness B, LeaseRecorder Acquisitions, RedisCoordinationConnection[] Connections)> TwoReplicasAsync(TimeSpan? leaseTime = null, TimeSpan? renewInterval = null)
    {
        var recorder = new LeaseRecorder();
        (SupervisionHarness a, SupervisionHarness b, RedisCoordinationConnection[] connections) = await TwoReplicasAsync(
            "replicas", recorder.Wrap, leaseTime ?? TimeSpan.FromSeconds(10), renewInterval ?? TimeSpan.FromSeconds(3));
        return (a, b, recorder, connections);
    }
}
