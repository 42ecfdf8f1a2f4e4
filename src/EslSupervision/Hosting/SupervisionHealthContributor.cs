using EslSupervision.Control;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EslSupervision.Hosting;

/// <summary>The controller's part: how many supervisions run, and whether supervision has started at all.</summary>
internal sealed class SupervisionHealthContributor : IEslSupervisionHealthContributor
{
    private readonly SupervisionController _controller;
    private readonly SupervisionHostedService? _hosted;

    public SupervisionHealthContributor(SupervisionController controller, SupervisionHostedService? hosted)
    {
        _controller = controller;
        _hosted = hosted;
    }

    public void Contribute(HealthFindings findings)
    {
        // This replica's own count, on purpose: a health probe must not wait on the coordinator (its own health
        // check reports it), and a replica's load is what its health describes. The cluster's list is
        // ListActiveSupervisionsAsync; the replica id ties the two together.
        findings.Data["activeSupervisions"] = _controller.ActiveSupervisions.Count;
        if (_controller.ReplicaId is { } replica)
        {
            findings.Data["replica"] = replica;
        }

        // Connected but not supervising happens while a deferred start is still catching up.
        if (_hosted is { IsSupervising: false } && findings.Data.TryGetValue("state", out object? state) && Equals(state, "Connected"))
        {
            findings.Report(HealthStatus.Degraded, "Call supervision has not started yet.");
        }

        // Decisions that would otherwise fail silently (settings invalid, audit sink failing) degrade the health.
        IReadOnlyList<string> problems = _controller.HealthProblems;
        if (problems.Count > 0)
        {
            findings.Data["problems"] = string.Join("; ", problems);
            foreach (string problem in problems)
            {
                findings.Report(HealthStatus.Degraded, problem + ".");
            }
        }
    }
}
