using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Redis;
using EslSupervision.Redis.Tests;
using EslSupervision.Tests.Control;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Tests.Cluster;

/// <summary>
/// Tests of controller replicas over a redis-server of their own: the server, and everything a test sets up on it,
/// disposed in reverse order after the test (the Redis connections last, so no replica outlives its coordinator).
/// </summary>
public abstract class RedisReplicaTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>The test's redis-server.</summary>
    protected RedisServer Redis { get; private set; } = null!;

    /// <inheritdoc/>
    public async ValueTask InitializeAsync() => Redis = await RedisServer.StartAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await Redis.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposed after the test, before anything owned earlier.</summary>
    protected T Own<T>(T item)
        where T : IAsyncDisposable
    {
        _owned.Add(item);
        return item;
    }

    /// <summary>
    /// Two replicas on one fake switch, each with its own Redis connection and coordinator (seen through
    /// <paramref name="wrap"/>), as two deployed processes would have.
    /// </summary>
    private protected async Task<(SupervisionHarness A, SupervisionHarness B, RedisCoordinationConnection[] Connections)> TwoReplicasAsync(
        string keyPrefix,
        Func<ISupervisionCoordinator, ISupervisionCoordinator> wrap,
        TimeSpan leaseTime,
        TimeSpan renewInterval,
        ILoggerFactory? logsA = null,
        ILoggerFactory? logsB = null)
    {
        SupervisionHarness a = Own(await SupervisionHarness.StartAsync(logs: logsA));
        SupervisionHarness b = Own(await SupervisionHarness.AttachAsync(a.Switch, a.Options, logsB));
        var connections = new List<RedisCoordinationConnection>();
        foreach ((SupervisionHarness replica, string id) in new[] { (a, "replica-a"), (b, "replica-b") })
        {
            RedisCoordinationConnection connection = await ReplicaRedis.ConnectAsync(Redis, keyPrefix);
            _owned.Insert(0, connection);
            connections.Add(connection);
            replica.Controller.UseCoordination(wrap(new RedisSupervisionCoordinator(connection)), new SupervisionCoordinationOptions
            {
                ReplicaId = id,
                LeaseTime = leaseTime,
                RenewInterval = renewInterval,
            });
        }

        return (a, b, [.. connections]);
    }
}
