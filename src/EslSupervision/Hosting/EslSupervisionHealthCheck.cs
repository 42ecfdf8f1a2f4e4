using EslSupervision.Control;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EslSupervision.Hosting;

/// <summary>
/// Reports call supervision's health with the reasons: <see cref="EslConnectionState.Connected"/> is healthy;
/// connecting, or reconnecting before any attempt failed, is degraded; not connected after a failed attempt
/// ("Not connected to FreeSWITCH since … : &lt;last error&gt;" or "authentication refused") and
/// <see cref="EslConnectionState.Closed"/> report the registration's failure status (unhealthy by default). The
/// description joins every reason; the data carries <c>state</c>, <c>activeSupervisions</c> and, for an inbound
/// client, <c>lastFrameAgeSeconds</c> (age of the last frame received, heartbeats included) and
/// <c>lastDeathReason</c>, and <c>problems</c> when a decision would otherwise fail silently (a rejected settings
/// reload, "settings invalid: KEYS", or "audit sink failing": both <c>Degraded</c>): no endpoint, user or password.
/// </summary>
/// <remarks>Register it with <c>services.AddHealthChecks().AddEslSupervision()</c>.</remarks>
internal sealed class EslSupervisionHealthCheck : IHealthCheck
{
    private readonly IEslSupervisionHealthContributor[] _contributors;

    /// <summary>Creates the check (DI does this).</summary>
    /// <param name="connection">The supervision's inbound connection.</param>
    /// <param name="controller">The controller (for the number of running supervisions).</param>
    public EslSupervisionHealthCheck(IEslConnection connection, SupervisionController controller)
        : this(connection, controller, hosted: null, [])
    {
    }

    /// <summary>The DI form: the built-in contributors first, then every other registered one, in registration order.</summary>
    internal EslSupervisionHealthCheck(IEslConnection connection, SupervisionController controller, SupervisionHostedService? hosted, IEnumerable<IEslSupervisionHealthContributor> others)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(controller);
        _contributors = [new ConnectionHealthContributor(connection), new SupervisionHealthContributor(controller, hosted), .. others];
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var findings = new HealthFindings(context.Registration.FailureStatus);
        foreach (IEslSupervisionHealthContributor contributor in _contributors)
        {
            contributor.Contribute(findings);
        }

        return Task.FromResult(findings.ToResult());
    }
}
