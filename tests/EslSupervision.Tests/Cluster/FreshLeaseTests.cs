using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Control;
using EslSupervision.Tests.Permissions;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// The fence check before the eavesdrop costs a round trip to the coordinator only when it can tell something: a
/// lease granted moments ago is current (nobody can take it before it expires), but a replica whose decision took
/// longer than that (a pause, a slow provider) asks again, and does not act once another replica holds the leg.
/// </summary>
public sealed class FreshLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = SupervisionHarness.Patience;
    private readonly List<IAsyncDisposable> _owned = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task A_prompt_service_code_start_asks_the_coordinator_once_because_the_grant_is_its_fence_check()
    {
        SupervisionHarness a = await SupervisionHarness.StartAsync();
        _owned.Add(a);
        var coordinator = new CountingCoordinator(new InMemorySupervisionCoordinator());
        a.Controller.UseCoordination(coordinator, new SupervisionCoordinationOptions { ReplicaId = "replica-a" });
        FakeCall call = await a.OliviaTalksToAClientAsync();

        FakeChannel benjamin = await a.SuperviseAsync("1010", "*901004");

        Assert.True(a.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));
        Assert.Equal(1, coordinator.Acquisitions);
        Assert.Equal(0, coordinator.FenceChecks);
    }

    [Fact]
    public async Task A_decision_slower_than_a_fresh_lease_asks_again_and_a_replica_whose_leg_was_taken_meanwhile_does_not_start()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var provider = new GatedProvider(new RingGroupPermissionProvider(new TestOptionsMonitor<SupervisionOptions>(SupervisionHarness.LabOptions())));
        SupervisionHarness a = await SupervisionHarness.StartAsync(provider: provider, controllerTime: clock);
        _owned.Add(a);
        var store = new InMemorySupervisionCoordinator(clock);
        var coordinator = new CountingCoordinator(store);
        var lease = TimeSpan.FromSeconds(10);
        a.Controller.UseCoordination(coordinator, new SupervisionCoordinationOptions { ReplicaId = "replica-a", LeaseTime = lease, RenewInterval = TimeSpan.FromSeconds(3) });
        FakeCall call = await a.OliviaTalksToAClientAsync();

        // The replica has its lease and is deciding; it stalls there past the lease time, and another replica takes the leg.
        FakeChannel benjamin = a.Switch.DialParked("1010", "pbx.lab", "*901004");
        await provider.Entered.Task.WaitAsync(Patience);
        Assert.Equal(1, coordinator.Acquisitions);
        clock.Advance(lease + TimeSpan.FromSeconds(1));
        SupervisionLeaseResult takeover = await store.TryAcquireAsync(new SupervisionLeaseKey(SupervisionLeaseKey.SingleSwitch, benjamin.Uuid), "replica-b", lease, SupervisionLeaseDetails.None);
        Assert.True(takeover.Acquired);

        // It comes back: it asks the coordinator (its lease is no longer fresh), hears "not yours", and does nothing.
        provider.Release.SetResult();
        Assert.False(await coordinator.FenceChecked.Task.WaitAsync(Patience));
        a.Switch.Hangup(benjamin.Uuid);
        await a.HungUpAsync(benjamin.Uuid);

        Assert.DoesNotContain(a.AllCommands, c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal) && c.Contains(benjamin.Uuid, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(a.AuditTrail, e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == benjamin.Uuid);
        Assert.False(a.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));
    }

    /// <summary>Lets the decision in, then holds it until the test releases it.</summary>
    private sealed class GatedProvider(ISupervisionPermissionProvider inner) : ISupervisionPermissionProvider
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return await inner.AuthorizeAsync(request, cancellationToken);
        }
    }

    /// <summary>Passes every call through; counts acquisitions and fence checks, and reports the first fence check's answer.</summary>
    private sealed class CountingCoordinator(ISupervisionCoordinator inner) : ISupervisionCoordinator
    {
        private int _acquisitions;
        private int _fenceChecks;

        public int Acquisitions => Volatile.Read(ref _acquisitions);

        public int FenceChecks => Volatile.Read(ref _fenceChecks);

        public TaskCompletionSource<bool> FenceChecked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<SupervisionLeaseResult> TryAcquireAsync(SupervisionLeaseKey key, string owner, TimeSpan leaseTime, SupervisionLeaseDetails details, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _acquisitions);
            return inner.TryAcquireAsync(key, owner, leaseTime, details, cancellationToken);
        }

        public async ValueTask<bool> IsCurrentAsync(SupervisionLeaseKey key, long fence, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _fenceChecks);
            bool current = await inner.IsCurrentAsync(key, fence, cancellationToken);
            FenceChecked.TrySetResult(current);
            return current;
        }

        public ValueTask<SupervisionLease?> RenewAsync(SupervisionLease lease, TimeSpan leaseTime, SupervisionLeaseDetails? details = null, CancellationToken cancellationToken = default) => inner.RenewAsync(lease, leaseTime, details, cancellationToken);

        public ValueTask<bool> ReleaseAsync(SupervisionLease lease, CancellationToken cancellationToken = default) => inner.ReleaseAsync(lease, cancellationToken);

        public ValueTask<SupervisionLeaseRecord?> GetHolderAsync(SupervisionLeaseKey key, CancellationToken cancellationToken = default) => inner.GetHolderAsync(key, cancellationToken);

        public ValueTask<IReadOnlyList<SupervisionLeaseRecord>> ListActiveAsync(CancellationToken cancellationToken = default) => inner.ListActiveAsync(cancellationToken);
    }
}
