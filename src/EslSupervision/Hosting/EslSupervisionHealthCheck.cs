using EslSupervision.Control;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EslSupervision.Hosting;

/// <summary>
/// Reports the Event Socket connection behind call supervision: <see cref="EslConnectionState.Connected"/> is
/// healthy; <see cref="EslConnectionState.Connecting"/> and <see cref="EslConnectionState.Reconnecting"/> are
/// degraded; <see cref="EslConnectionState.Disconnected"/> and <see cref="EslConnectionState.Closed"/> report the
/// registration's failure status (unhealthy by default). The data carries <c>state</c> and
/// <c>activeSupervisions</c> (and <c>problems</c> when there are), nothing else: no endpoint, user or password.
/// A connected switch with a rejected settings reload ("settings invalid: KEYS") or a failing audit sink
/// ("audit sink failing") is <c>Degraded</c>.
/// </summary>
/// <remarks>Register it with <c>services.AddHealthChecks().AddEslSupervision()</c>.</remarks>
public sealed class EslSupervisionHealthCheck : IHealthCheck
{
    private readonly IEslConnection _connection;
    private readonly SupervisionController _controller;

    /// <summary>Creates the check (DI does this).</summary>
    /// <param name="connection">The supervision's inbound connection.</param>
    /// <param name="controller">The controller (for the number of running supervisions).</param>
    public EslSupervisionHealthCheck(IEslConnection connection, SupervisionController controller)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(controller);
        _connection = connection;
        _controller = controller;
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        EslConnectionState state = _connection.State;
        var data = new Dictionary<string, object>
        {
            ["state"] = state.ToString(),
            ["activeSupervisions"] = _controller.ActiveSupervisions.Count,
        };
        HealthCheckResult result = state switch
        {
            EslConnectionState.Connected => HealthCheckResult.Healthy("Connected to FreeSWITCH.", data),
            EslConnectionState.Connecting => HealthCheckResult.Degraded("Connecting to FreeSWITCH.", data: data),
            EslConnectionState.Reconnecting => HealthCheckResult.Degraded("Connection to FreeSWITCH lost; reconnecting.", data: data),
            EslConnectionState.Closed => new HealthCheckResult(context.Registration.FailureStatus, "Connection to FreeSWITCH closed.", data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus, "Not connected to FreeSWITCH.", data: data),
        };
        // Decisions that would otherwise fail silently (settings invalid, audit sink failing) degrade a healthy connection.
        IReadOnlyList<string> problems = _controller.HealthProblems;
        if (problems.Count > 0)
        {
            data["problems"] = string.Join("; ", problems);
            if (result.Status == HealthStatus.Healthy)
            {
                result = HealthCheckResult.Degraded(string.Join("; ", problems) + ".", data: data);
            }
        }

        return Task.FromResult(result);
    }
}
