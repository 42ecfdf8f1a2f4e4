using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EslSupervision.Redis;

/// <summary>Reports the registration's failure status (Degraded by default) while the replica cannot reach Redis.</summary>
internal sealed class RedisCoordinationHealthCheck : IHealthCheck
{
    private readonly RedisCoordinationConnection _connection;

    public RedisCoordinationHealthCheck(RedisCoordinationConnection connection) => _connection = connection;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(_connection.IsConnected
            ? HealthCheckResult.Healthy("Redis coordination connected.")
            : new HealthCheckResult(context.Registration.FailureStatus, "Redis coordination unreachable: no new supervision can start; running ones go on."));
    }
}
