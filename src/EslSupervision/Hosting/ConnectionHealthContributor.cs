using System.Globalization;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EslSupervision.Hosting;

/// <summary>
/// The connection's part of the health check: state, since when it is down and why (the last error, or
/// "authentication refused"), and the age of the last frame received, which liveness keeps below its timeout.
/// </summary>
internal sealed class ConnectionHealthContributor : IEslSupervisionHealthContributor
{
    private readonly IEslConnection _connection;

    public ConnectionHealthContributor(IEslConnection connection) => _connection = connection;

    public void Contribute(HealthFindings findings)
    {
        EslConnectionState state = _connection.State;
        findings.Data["state"] = state.ToString();
        if (_connection is not IEslInboundConnection client)
        {
            ReportState(findings, state, null);
            return;
        }

        EslConnectionHealth health = client.GetHealth();
        if (health.SinceLastFrame is { } age)
        {
            findings.Data["lastFrameAgeSeconds"] = Math.Round(age.TotalSeconds, 1);
        }

        if (health.LastDeathReason is { } death)
        {
            findings.Data["lastDeathReason"] = death;
        }

        ReportState(findings, state, health);
    }

    private static void ReportState(HealthFindings findings, EslConnectionState state, EslConnectionHealth? health)
    {
        if (state == EslConnectionState.Connected)
        {
            findings.Report(HealthStatus.Healthy, "Connected to FreeSWITCH.");
            return;
        }

        if (state == EslConnectionState.Closed)
        {
            findings.Report(findings.FailureStatus, "Connection to FreeSWITCH closed.");
            return;
        }

        if (health is { FailedAttempts: > 0, DisconnectedSince: { } since })
        {
            string why = health.AuthenticationRefused ? "authentication refused (check the Event Socket password)" : health.LastError ?? "unknown error";
            findings.Report(findings.FailureStatus, string.Create(CultureInfo.InvariantCulture, $"Not connected to FreeSWITCH since {since:u}: {why}"));
            return;
        }

        switch (state)
        {
            case EslConnectionState.Connecting:
                findings.Report(HealthStatus.Degraded, "Connecting to FreeSWITCH.");
                break;
            case EslConnectionState.Reconnecting:
                findings.Report(HealthStatus.Degraded, health?.LastError is { } lost ? "Connection to FreeSWITCH lost; reconnecting: " + lost : "Connection to FreeSWITCH lost; reconnecting.");
                break;
            default:
                findings.Report(findings.FailureStatus, "Not connected to FreeSWITCH.");
                break;
        }
    }
}
