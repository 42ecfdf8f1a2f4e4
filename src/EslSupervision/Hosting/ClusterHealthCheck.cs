using EslSupervision.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EslSupervision.Hosting;

/// <summary>
/// The health of a cluster: each switch is checked as a single switch would be (connection, started, problems),
/// with its reasons prefixed by its name. Every switch down is the failure status; some down is
/// <c>Degraded</c> (the others supervise on); all up is healthy. Data: <c>switches</c> (count),
/// <c>switchesConnected</c>, <c>activeSupervisions</c>, and per switch <c>NAME.state</c>.
/// </summary>
internal sealed class ClusterHealthCheck : IHealthCheck
{
    private readonly SupervisionCluster _cluster;
    private readonly ClusterHostedService? _hosted;

    public ClusterHealthCheck(SupervisionCluster cluster, ClusterHostedService? hosted)
    {
        _cluster = cluster;
        _hosted = hosted;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        HealthStatus failure = context.Registration.FailureStatus;
        var overall = new HealthFindings(failure);
        int connected = 0;
        IReadOnlyList<string> names = _cluster.Switches;
        foreach (string name in names)
        {
            var one = new HealthFindings(failure);
            new ConnectionHealthContributor(_cluster.ConnectionOf(name)).Contribute(one);
            if (_hosted?.Status.FirstOrDefault(s => s.Name == name) is { IsSupervising: false } && Equals(one.Data.GetValueOrDefault("state"), "Connected"))
            {
                one.Report(HealthStatus.Degraded, "Call supervision has not started yet.");
            }

            IReadOnlyList<string> problems = _cluster.GetController(name).HealthProblems;
            foreach (string problem in problems)
            {
                one.Report(HealthStatus.Degraded, problem + ".");
            }

            if (Equals(one.Data.GetValueOrDefault("state"), "Connected"))
            {
                connected++;
            }

            overall.Data[name + ".state"] = one.Data.GetValueOrDefault("state") ?? "Unknown";
            foreach (string reason in one.Reasons)
            {
                // A switch down degrades the cluster; only every switch down is a failure.
                overall.Report(one.Status == HealthStatus.Healthy ? HealthStatus.Healthy : HealthStatus.Degraded, $"{name}: {reason}");
            }
        }

        if (connected == 0)
        {
            overall.Report(failure, "No switch of the cluster is connected.");
        }

        overall.Data["switches"] = names.Count;
        overall.Data["switchesConnected"] = connected;
        overall.Data["activeSupervisions"] = _cluster.ActiveSupervisions.Count;
        return Task.FromResult(overall.ToResult());
    }
}
