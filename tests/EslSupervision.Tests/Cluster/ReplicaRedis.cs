using EslSupervision.Redis;
using EslSupervision.Redis.Tests;

namespace EslSupervision.Tests.Cluster;

/// <summary>A replica's own connection to the test's redis-server, one per replica as one per process in a deployment.</summary>
internal static class ReplicaRedis
{
    /// <summary>
    /// Connects with short timeouts, so that an outage test sees the typed failure quickly; a connection that cannot
    /// connect fails the test and is disposed here.
    /// </summary>
    public static async Task<RedisCoordinationConnection> ConnectAsync(RedisServer redis, string keyPrefix)
    {
        var connection = new RedisCoordinationConnection(new RedisCoordinationOptions
        {
            ConnectionString = redis.ConnectionString,
            KeyPrefix = keyPrefix,
            OperationTimeout = TimeSpan.FromMilliseconds(500),
            ConnectTimeout = TimeSpan.FromSeconds(1),
        });
        if (!await connection.ConnectAsync())
        {
            await connection.DisposeAsync();
            Assert.Fail("The replica could not connect to the test's redis-server.");
        }

        return connection;
    }
}
