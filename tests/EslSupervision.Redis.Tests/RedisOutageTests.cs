using System.Diagnostics;
using EslSupervision.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Redis.Tests;

/// <summary>
/// Redis going away and coming back, with a redis-server of each test's own (the test kills and restarts it):
/// calls fail with the typed exception within the timeout and never hang; the same connection works again
/// once Redis is back, with no restart.
/// </summary>
public sealed class RedisOutageTests
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromMilliseconds(300);

    /// <summary>How late a failing call may answer: its timeout plus generous scheduling slack on a busy 2-core machine.</summary>
    private static readonly TimeSpan FailWithin = OperationTimeout + TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 16, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task With_Redis_down_every_call_fails_fast_with_the_typed_exception_and_after_it_is_back_the_same_connection_works_with_larger_fences()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        await using var connection = new RedisCoordinationConnection(Options(server));
        Assert.True(await connection.ConnectAsync());
        var coordinator = new RedisSupervisionCoordinator(connection, _time);
        var tokens = new RedisSupervisionTokenStore(connection, _time);
        var key = new SupervisionLeaseKey("fs-a", Guid.NewGuid().ToString());
        SupervisionLease before = (await coordinator.TryAcquireAsync(key, "replica-a", Lease, SupervisionLeaseDetails.None)).Lease!;

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionLost += (_, _) => lost.TrySetResult();
        connection.ConnectionRestored += (_, _) => restored.TrySetResult();

        await server.StopAsync();

        // Whether or not the client has noticed yet, no call hangs and none answers "yes".
        await AssertFailsFast(() => coordinator.TryAcquireAsync(NewKey(), "replica-b", Lease, SupervisionLeaseDetails.None).AsTask());
        await lost.Task.WaitAsync(Patience);
        Assert.False(connection.IsConnected);
        await AssertFailsFast(() => coordinator.TryAcquireAsync(NewKey(), "replica-b", Lease, SupervisionLeaseDetails.None).AsTask());
        await AssertFailsFast(() => coordinator.IsCurrentAsync(key, before.Fence).AsTask());
        await AssertFailsFast(() => coordinator.RenewAsync(before, Lease).AsTask());
        await AssertFailsFast(() => coordinator.ReleaseAsync(before).AsTask());
        await AssertFailsFast(() => coordinator.GetHolderAsync(key).AsTask());
        await AssertFailsFast(() => coordinator.ListActiveAsync().AsTask());
        await AssertFailsFast(() => tokens.TryConsumeAsync("AAAAAAAAAAAAAAAAAAAAAA", _time.GetUtcNow().AddSeconds(10)).AsTask());

        // Redis comes back empty (no persistence): the client reconnects by itself.
        await server.StartAgainAsync();
        await restored.Task.WaitAsync(Patience);

        SupervisionLeaseResult after = await coordinator.TryAcquireAsync(key, "replica-b", Lease, SupervisionLeaseDetails.None);
        Assert.True(after.Acquired);
        // The fence counter was lost with Redis's data, yet the new fence is larger: the old holder stays fenced off.
        Assert.True(after.Lease.Fence > before.Fence, $"fence {after.Lease.Fence} after restart, {before.Fence} before");
        Assert.False(await coordinator.IsCurrentAsync(key, before.Fence));
        Assert.True(await tokens.TryConsumeAsync("BBBBBBBBBBBBBBBBBBBBBB", _time.GetUtcNow().AddSeconds(10)));
    }

    [Fact]
    public async Task A_replica_whose_Redis_is_down_at_start_still_starts_refuses_leases_and_works_once_Redis_is_up()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        await server.StopAsync();

        await using var connection = new RedisCoordinationConnection(Options(server));
        var stopwatch = Stopwatch.StartNew();
        Assert.False(await connection.ConnectAsync());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1) + FailWithin, $"connect took {stopwatch.Elapsed}");
        var coordinator = new RedisSupervisionCoordinator(connection, _time);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, _) => restored.TrySetResult();

        await AssertFailsFast(() => coordinator.TryAcquireAsync(NewKey(), "replica-a", Lease, SupervisionLeaseDetails.None).AsTask());
        Assert.Equal(HealthStatus.Degraded, (await HealthAsync(connection)).Status);

        await server.StartAgainAsync();
        await restored.Task.WaitAsync(Patience);
        Assert.True((await coordinator.TryAcquireAsync(NewKey(), "replica-a", Lease, SupervisionLeaseDetails.None)).Acquired);
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync(connection)).Status);
    }

    private static Task<HealthCheckResult> HealthAsync(RedisCoordinationConnection connection)
    {
        var registration = new HealthCheckRegistration("redis", new RedisCoordinationHealthCheck(connection), HealthStatus.Degraded, null);
        return new RedisCoordinationHealthCheck(connection).CheckHealthAsync(new HealthCheckContext { Registration = registration });
    }

    private static SupervisionLeaseKey NewKey() => new("fs-a", Guid.NewGuid().ToString());

    private static RedisCoordinationOptions Options(RedisServer server) => new()
    {
        ConnectionString = server.ConnectionString,
        KeyPrefix = "outage",
        OperationTimeout = OperationTimeout,
        ConnectTimeout = TimeSpan.FromSeconds(1),
    };

    private static async Task AssertFailsFast(Func<Task> call)
    {
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<SupervisionCoordinationException>(call);
        Assert.True(stopwatch.Elapsed < FailWithin, $"the call took {stopwatch.Elapsed} to fail");
    }
}
