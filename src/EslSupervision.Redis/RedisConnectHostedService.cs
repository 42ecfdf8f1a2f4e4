using Microsoft.Extensions.Hosting;

namespace EslSupervision.Redis;

/// <summary>Makes the first Redis connection attempt at start, so that the first decision finds a connection ready.</summary>
internal sealed class RedisConnectHostedService : IHostedService
{
    private readonly RedisCoordinationConnection _connection;

    public RedisConnectHostedService(RedisCoordinationConnection connection) => _connection = connection;

    // Bounded by the connect timeout; a Redis that is down only leaves the replica Degraded (see the health check).
    public Task StartAsync(CancellationToken cancellationToken) => _connection.ConnectAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
