using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EslSupervision.Hosting;

/// <summary>
/// What the health contributors found: the worst status wins, every reason is kept (in contributor order), and the
/// data is merged. Reasons and data carry no secret: no password, no user name.
/// </summary>
internal sealed class HealthFindings
{
    private readonly List<(HealthStatus Status, string Reason)> _reasons = [];

    public HealthFindings(HealthStatus failureStatus) => FailureStatus = failureStatus;

    /// <summary>The status the registration uses for "broken" (Unhealthy unless configured otherwise).</summary>
    public HealthStatus FailureStatus { get; }

    public HealthStatus Status { get; private set; } = HealthStatus.Healthy;

    public Dictionary<string, object> Data { get; } = new(StringComparer.Ordinal);

    /// <summary>The reasons behind the current status: when anything is wrong, only what is wrong.</summary>
    public IReadOnlyList<string> Reasons => [.. _reasons.Where(r => Status == HealthStatus.Healthy || r.Status != HealthStatus.Healthy).Select(r => r.Reason)];

    /// <summary>Records a reason; <paramref name="status"/> lowers the overall status if it is worse.</summary>
    public void Report(HealthStatus status, string reason)
    {
        if (status < Status)
        {
            Status = status;
        }

        _reasons.Add((status, reason));
    }

    public HealthCheckResult ToResult()
        => new(Status, string.Join("; ", Reasons), data: Data);
}

/// <summary>
/// One source of health reasons (the connection, the hosted service's start, and others such as settings or an
/// audit sink). The check asks each in turn; each adds its reasons and data to the findings.
/// </summary>
internal interface IEslSupervisionHealthContributor
{
    void Contribute(HealthFindings findings);
}
