using EslSupervision.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the <see cref="EslSupervisionHealthCheck"/> to a health-check builder.</summary>
/// <remarks>Public because it is how the health check is registered.</remarks>
public static class EslSupervisionHealthChecksBuilderExtensions
{
    /// <summary>The default name of the check: <c>esl-supervision</c>.</summary>
    public const string DefaultName = "esl-supervision";

    /// <summary>
    /// Reports the supervision's Event Socket connection (needs <c>AddEslSupervision</c>): healthy when connected,
    /// degraded while (re)connecting, <paramref name="failureStatus"/> when a connection attempt failed (with the reason) or the connection is closed.
    /// </summary>
    /// <param name="builder">The builder from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name. Default <c>esl-supervision</c>.</param>
    /// <param name="failureStatus">The status when not connected; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IHealthChecksBuilder AddEslSupervision(this IHealthChecksBuilder builder, string name = DefaultName, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        // A factory, so the check also gets the hosted service (has supervision started?) and the other internal
        // health contributors registered with AddEslSupervision.
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => sp.GetService<EslSupervision.Cluster.SupervisionCluster>() is { } cluster
                ? new ClusterHealthCheck(cluster, sp.GetService<ClusterHostedService>())
                : new EslSupervisionHealthCheck(
                    sp.GetRequiredService<EslSupervision.EventSocket.IEslConnection>(),
                    sp.GetRequiredService<EslSupervision.Control.SupervisionController>(),
                    sp.GetService<SupervisionHostedService>(),
                    sp.GetServices<IEslSupervisionHealthContributor>()),
            failureStatus,
            tags ?? []));
    }
}
