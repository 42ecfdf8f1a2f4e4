namespace EslSupervision.EventSocket;

/// <summary>The names under which the library publishes metrics and traces (for OpenTelemetry or dotnet-counters).</summary>
public static class EslTelemetry
{
    /// <summary>The name of the library's one <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "EslSupervision";

    /// <summary>The name of the library's one <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "EslSupervision";
}
