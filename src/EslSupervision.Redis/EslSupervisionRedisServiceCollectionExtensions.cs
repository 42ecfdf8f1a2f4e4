using EslSupervision.Cluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EslSupervision.Redis;

/// <summary>Registers Redis coordination for controller replicas.</summary>
public static class EslSupervisionRedisServiceCollectionExtensions
{
    /// <summary>
    /// Shares leases, the cluster-wide list of supervisions and the single-use token store between replicas in Redis,
    /// replacing the in-memory defaults of <c>AddEslSupervision</c> (call it before or after). Settings come from
    /// <see cref="RedisCoordinationOptions.SectionName"/> and are checked at start; the first connection attempt is made
    /// at start without stopping the host when Redis is down.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration root.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddEslSupervisionRedis(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<RedisCoordinationOptions>().Bind(configuration.GetSection(RedisCoordinationOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisCoordinationOptions>, RedisCoordinationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RedisCoordinationConnection(
            sp.GetRequiredService<IOptions<RedisCoordinationOptions>>().Value,
            sp.GetService<ILoggerFactory>()));
        services.Replace(ServiceDescriptor.Singleton<ISupervisionCoordinator>(
            sp => new RedisSupervisionCoordinator(sp.GetRequiredService<RedisCoordinationConnection>(), sp.GetRequiredService<TimeProvider>())));
        services.Replace(ServiceDescriptor.Singleton<ISupervisionTokenStore>(
            sp => new RedisSupervisionTokenStore(sp.GetRequiredService<RedisCoordinationConnection>(), sp.GetRequiredService<TimeProvider>())));
        services.AddHostedService<RedisConnectHostedService>();
        return services;
    }

    /// <summary>
    /// Adds a health check named <paramref name="name"/> that reports <paramref name="failureStatus"/> (default
    /// <see cref="HealthStatus.Degraded"/>: running supervisions go on, new ones are refused) while Redis is unreachable.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">What to report while Redis is unreachable.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IHealthChecksBuilder AddEslSupervisionRedis(this IHealthChecksBuilder builder, string name = "esl-supervision-redis", HealthStatus failureStatus = HealthStatus.Degraded)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new RedisCoordinationHealthCheck(sp.GetRequiredService<RedisCoordinationConnection>()),
            failureStatus,
            ["esl-supervision", "redis"]));
    }
}
