using System.Diagnostics;
using System.Diagnostics.Metrics;
using EslSupervision.EventSocket.Diagnostics;

namespace EslSupervision.EventSocket;

/// <summary>
/// The names under which the library publishes metrics and traces (for OpenTelemetry or dotnet-counters), and the
/// one <see cref="Meter"/> and <see cref="System.Diagnostics.ActivitySource"/> that every package of the library
/// (this client, and the supervision package on top of it) records on.
/// </summary>
public static class EslTelemetry
{
    /// <summary>The name of the library's one <see cref="Meter"/>.</summary>
    public const string MeterName = "EslSupervision";

    /// <summary>The name of the library's one <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "EslSupervision";

    /// <summary>The library's one activity source; packages built on this client start their spans on it.</summary>
    public static ActivitySource ActivitySource => EslMetrics.ActivitySource;

    /// <summary>
    /// The library's meter: from <paramref name="meterFactory"/> when one is given (DI, so tests and hosts can
    /// isolate it), otherwise the process-wide meter this client uses. Packages built on this client create their
    /// instruments on it, so that every instrument of the library is under <see cref="MeterName"/>.
    /// </summary>
    /// <param name="meterFactory">The host's meter factory, or <see langword="null"/>.</param>
    /// <returns>The meter named <see cref="MeterName"/>.</returns>
    public static Meter GetMeter(IMeterFactory? meterFactory) => meterFactory?.Create(MeterName) ?? EslMetrics.SharedMeter;
}
