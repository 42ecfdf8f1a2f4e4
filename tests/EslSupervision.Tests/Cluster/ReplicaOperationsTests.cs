using System.Collections.Concurrent;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Redis;
using EslSupervision.Redis.Tests;
using EslSupervision.Testing;
using EslSupervision.Tests.Control;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Two controller replicas on one (fake) switch and a real redis-server, seen from the operator's side: either
/// replica lists the cluster's running supervisions (who, whom, which mode, run by which replica), a switch or end
/// asked of the wrong replica gets a clear answer, and with Redis down exactly one replica refuses a new call.
/// </summary>
public sealed class ReplicaOperationsTests : RedisReplicaTests
{
    private static readonly TimeSpan Patience = SupervisionHarness.Patience;
    private static readonly UserIdentity Benjamin = new("pbx.lab", "1010");
    private static readonly UserIdentity Olivia = new("pbx.lab", "1004");

    [Fact]
    public async Task A_supervision_run_by_one_replica_is_listed_by_the_other_with_who_whom_mode_and_replica_follows_a_mode_switch_at_once_and_goes_at_its_end()
    {
        // Renewals far apart: anything the other replica lists within the test was written at the change itself.
        Replicas r = await TwoReplicasAsync(renewInterval: TimeSpan.FromSeconds(30));
        FakeCall call = await r.A.OliviaTalksToAClientAsync();

        FakeChannel benjamin = r.A.Switch.DialParked("1010", "pbx.lab", "*911004");
        SupervisionAuditEvent started = await r.EitherAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        (SupervisionHarness acting, string actingId, SupervisionHarness other) = r.A.AuditTrail.Contains(started) ? (r.A, "replica-a", r.B) : (r.B, "replica-b", r.A);
        await r.Leases.RecordedAsync(benjamin.Uuid, SupervisionMode.Whisper).WaitAsync(Patience);

        SupervisionInfo listed = Assert.Single(await other.Controller.ListActiveSupervisionsAsync());
        Assert.Equal(benjamin.Uuid, listed.SupervisorLegId, ignoreCase: true);
        Assert.Equal(Benjamin, listed.Supervisor);
        Assert.Equal(Olivia, listed.Agent);
        Assert.Equal(call.BLeg.Uuid, listed.AgentLegId, ignoreCase: true);
        Assert.Equal(SupervisionMode.Whisper, listed.Mode);
        Assert.Equal(actingId, listed.Replica);
        Assert.Empty(other.Controller.ActiveSupervisions);

        // The acting replica lists it once: its own entry and its lease are the same supervision.
        SupervisionInfo own = Assert.Single(await acting.Controller.ListActiveSupervisionsAsync());
        Assert.Equal(actingId, own.Replica);
        Assert.Equal(SupervisionMode.Whisper, own.Mode);

        // Benjamin presses 2 (barge): the other replica lists the new mode without waiting for a renewal.
        await r.A.Switch.PressDigitAsync(benjamin.Uuid, '2');
        await acting.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Barge && e.SupervisorLegId == benjamin.Uuid);
        await r.Leases.RecordedAsync(benjamin.Uuid, SupervisionMode.Barge).WaitAsync(Patience);
        Assert.Equal(SupervisionMode.Barge, Assert.Single(await other.Controller.ListActiveSupervisionsAsync()).Mode);

        // Asked of the replica that does not run it: a clear answer naming the one that does, and nothing happens.
        PermissionDecision refused = await other.Controller.SwitchModeAsync(benjamin.Uuid, SupervisionMode.Spy).WaitAsync(Patience);
        Assert.Equal(DenialReason.RunByAnotherReplica, refused.Reason);
        Assert.Contains(actingId, refused.Detail, StringComparison.Ordinal);
        Assert.False(await other.Controller.EndAsync(benjamin.Uuid).WaitAsync(Patience));
        Assert.True(r.A.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid)); // still barging
        Assert.DoesNotContain(other.AuditTrail, e => e.SupervisorLegId == benjamin.Uuid);

        // The agent's call ends: the supervision ends, its lease is given back, and no replica lists it any more.
        r.A.Switch.Hangup(call.ALeg.Uuid);
        await acting.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid);
        await r.Leases.ReleasedAsync(benjamin.Uuid).WaitAsync(Patience);
        Assert.Empty(await other.Controller.ListActiveSupervisionsAsync());
        Assert.Empty(await acting.Controller.ListActiveSupervisionsAsync());
    }

    [Fact]
    public async Task With_Redis_down_the_cluster_list_is_a_typed_error_while_the_local_list_still_answers_and_both_recover()
    {
        Replicas r = await TwoReplicasAsync();
        FakeCall call = await r.A.OliviaTalksToAClientAsync();
        FakeChannel benjamin = r.A.Switch.DialParked("1010", "pbx.lab", "*911004");
        SupervisionAuditEvent started = await r.EitherAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        SupervisionHarness acting = r.A.AuditTrail.Contains(started) ? r.A : r.B;
        await r.Leases.RecordedAsync(benjamin.Uuid, SupervisionMode.Whisper).WaitAsync(Patience);
        Task restored = r.RestoredAsync();

        await Redis.StopAsync();

        // Never a silently partial list: the caller learns the coordinator is down...
        await Assert.ThrowsAsync<SupervisionCoordinationException>(async () => await r.A.Controller.ListActiveSupervisionsAsync());
        await Assert.ThrowsAsync<SupervisionCoordinationException>(async () => await r.B.Controller.ListActiveSupervisionsAsync());

        // ...while the replica running it still lists it locally, and the supervision goes on.
        Assert.Equal(benjamin.Uuid, Assert.Single(acting.Controller.ActiveSupervisions).SupervisorLegId, ignoreCase: true);
        Assert.True(r.A.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));

        // Redis comes back empty (no persistence): the lease is gone. The acting replica's next renewal is refused,
        // and one replica's orphan sweep adopts the supervision under a new lease; the keys still work.
        await Redis.StartAgainAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));
        SupervisionAuditEvent adopted = await r.EitherAsync(SupervisionAuditKind.Adopted, benjamin.Uuid);
        (SupervisionHarness adopter, string adopterId) = r.A.AuditTrail.Contains(adopted) ? (r.A, "replica-a") : (r.B, "replica-b");
        await r.Leases.AcquiredAsync(benjamin.Uuid, adopterId).WaitAsync(Patience);
        await r.A.Switch.PressDigitAsync(benjamin.Uuid, '0');
        await adopter.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Spy && e.SupervisorLegId == benjamin.Uuid);
        await r.Leases.RecordedAsync(benjamin.Uuid, SupervisionMode.Spy).WaitAsync(Patience);
        SupervisionInfo relisted = Assert.Single(await r.B.Controller.ListActiveSupervisionsAsync());
        Assert.Equal(SupervisionMode.Spy, relisted.Mode);
        Assert.Equal(adopterId, relisted.Replica);
        Assert.Single(r.A.AuditTrail.Concat(r.B.AuditTrail), e => e.Kind == SupervisionAuditKind.Adopted);
        Assert.Single(r.A.AuditTrail.Concat(r.B.AuditTrail), e => e.Kind == SupervisionAuditKind.ModeChanged);
    }

    [Fact]
    public async Task With_Redis_down_exactly_one_replica_refuses_a_service_code_call_and_once_Redis_is_back_the_next_call_is_supervised_once()
    {
        Replicas r = await TwoReplicasAsync();
        FakeCall call = await r.A.OliviaTalksToAClientAsync();
        Task restored = r.RestoredAsync();
        await Redis.StopAsync();

        FakeChannel refused = r.A.Switch.DialParked("1010", "pbx.lab", "*911004");
        SupervisionAuditEvent denial = await r.EitherAsync(SupervisionAuditKind.Denied, refused.Uuid);
        Assert.Equal(DenialReason.CoordinationUnavailable, denial.DenialReason);
        (SupervisionHarness refuser, SignallingLoggerFactory steppedBack) = r.A.AuditTrail.Contains(denial) ? (r.A, r.LogsB) : (r.B, r.LogsA);

        // The other replica found the refuser's id on the leg and stepped back without a word.
        await steppedBack.WaitForAsync(3220).WaitAsync(Patience);
        await r.A.HungUpAsync(refused.Uuid);

        Assert.Single(r.A.AuditTrail.Concat(r.B.AuditTrail), e => e.SupervisorLegId == refused.Uuid);
        Assert.Equal(refused.Uuid, Assert.Single(refuser.AuditTrail).SupervisorLegId);
        // One refusal on the wire: only one replica's connection played the tone to the leg.
        Assert.Single(r.A.Switch.Connections, c => c.ReceivedCommands.Any(x => x.StartsWith("sendmsg " + refused.Uuid, StringComparison.Ordinal) && x.Contains("execute-app-name: playback", StringComparison.Ordinal)));
        Assert.DoesNotContain(r.A.AllCommands, c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal));
        Assert.False(r.A.Switch.Hears(refused.Uuid, call.BLeg.Uuid));

        await Redis.StartAgainAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));

        FakeChannel benjamin = r.A.Switch.DialParked("1010", "pbx.lab", "*911004");
        await r.EitherAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await r.A.EavesdroppingAsync(benjamin.Uuid);
        Assert.True(r.A.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));
        Assert.Single(r.A.AuditTrail.Concat(r.B.AuditTrail), e => e.Kind == SupervisionAuditKind.Started);
        Assert.Single(r.A.AllCommands, c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal) && c.Contains(benjamin.Uuid, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(r.A.AllCommands, c => c.Contains(SupervisionController.RefuserVariable, StringComparison.Ordinal) && c.Contains(benjamin.Uuid, StringComparison.OrdinalIgnoreCase));
    }

    private async Task<Replicas> TwoReplicasAsync(TimeSpan? renewInterval = null)
    {
        var logsA = new SignallingLoggerFactory();
        var logsB = new SignallingLoggerFactory();
        var leases = new LeaseWatch();
        (SupervisionHarness a, SupervisionHarness b, RedisCoordinationConnection[] connections) = await TwoReplicasAsync(
            "replica-ops", leases.Wrap, TimeSpan.FromSeconds(60), renewInterval ?? TimeSpan.FromSeconds(3), logsA, logsB);
        return new Replicas(a, b, leases, connections, logsA, logsB);
    }

    private sealed record Replicas(SupervisionHarness A, SupervisionHarness B, LeaseWatch Leases, RedisCoordinationConnection[] Connections, SignallingLoggerFactory LogsA, SignallingLoggerFactory LogsB)
    {
        /// <summary>The first of the two replicas to audit that; the other's wait is observed, so its time-out is no stray error.</summary>
        public async Task<SupervisionAuditEvent> EitherAsync(SupervisionAuditKind kind, string leg)
        {
            Task<SupervisionAuditEvent>[] waits = [A.WaitForAuditAsync(kind, leg), B.WaitForAuditAsync(kind, leg)];
            Task<SupervisionAuditEvent> first = await Task.WhenAny(waits);
            foreach (Task<SupervisionAuditEvent> wait in waits)
            {
                _ = wait.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            return await first;
        }

        /// <summary>Completes once every replica's Redis connection is back.</summary>
        public Task RestoredAsync() => Task.WhenAll(Connections.Select(c =>
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            c.ConnectionRestored += (_, _) => signal.TrySetResult();
            return signal.Task;
        }));
    }

    /// <summary>Passes every call to Redis and signals what the replicas wrote into leases and gave back.</summary>
    private sealed class LeaseWatch
    {
        private readonly ConcurrentDictionary<(string Leg, SupervisionMode Mode), TaskCompletionSource> _recorded = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _released = new(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<(string Leg, string Owner), TaskCompletionSource> _acquired = new();

        public ISupervisionCoordinator Wrap(ISupervisionCoordinator inner) => new Watching(inner, this);

        public Task RecordedAsync(string leg, SupervisionMode mode) => Recorded(leg, mode).Task;

        public Task ReleasedAsync(string leg) => Released(leg).Task;

        public Task AcquiredAsync(string leg, string owner) => Acquired(leg, owner).Task;

        private TaskCompletionSource Acquired(string leg, string owner)
            => _acquired.GetOrAdd((leg.ToLowerInvariant(), owner), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        private TaskCompletionSource Recorded(string leg, SupervisionMode mode)
            => _recorded.GetOrAdd((leg.ToLowerInvariant(), mode), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        private TaskCompletionSource Released(string leg)
            => _released.GetOrAdd(leg, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        private sealed class Watching(ISupervisionCoordinator inner, LeaseWatch watch) : ISupervisionCoordinator
        {
            public async ValueTask<SupervisionLeaseResult> TryAcquireAsync(SupervisionLeaseKey key, string owner, TimeSpan leaseTime, SupervisionLeaseDetails details, CancellationToken cancellationToken = default)
            {
                SupervisionLeaseResult result = await inner.TryAcquireAsync(key, owner, leaseTime, details, cancellationToken);
                if (result.Acquired)
                {
                    watch.Acquired(key.LegId, owner).TrySetResult();
                }

                return result;
            }

            public async ValueTask<SupervisionLease?> RenewAsync(SupervisionLease lease, TimeSpan leaseTime, SupervisionLeaseDetails? details = null, CancellationToken cancellationToken = default)
            {
                SupervisionLease? renewed = await inner.RenewAsync(lease, leaseTime, details, cancellationToken);
                if (renewed is not null && details?.Mode is { } mode)
                {
                    watch.Recorded(lease.Key.LegId, mode).TrySetResult();
                }

                return renewed;
            }

            public async ValueTask<bool> ReleaseAsync(SupervisionLease lease, CancellationToken cancellationToken = default)
            {
                bool released = await inner.ReleaseAsync(lease, cancellationToken);
                watch.Released(lease.Key.LegId).TrySetResult();
                return released;
            }

            public ValueTask<SupervisionLeaseRecord?> GetHolderAsync(SupervisionLeaseKey key, CancellationToken cancellationToken = default) => inner.GetHolderAsync(key, cancellationToken);

            public ValueTask<IReadOnlyList<SupervisionLeaseRecord>> ListActiveAsync(CancellationToken cancellationToken = default) => inner.ListActiveAsync(cancellationToken);

            public ValueTask<bool> IsCurrentAsync(SupervisionLeaseKey key, long fence, CancellationToken cancellationToken = default) => inner.IsCurrentAsync(key, fence, cancellationToken);
        }
    }
}
