using Microsoft.Extensions.Logging;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>Log lines of the ASP.NET Core endpoints (event ids 5000-5099). Identities only, never phone numbers.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(5000, LogLevel.Information, "Supervision requested from the dashboard by {Supervisor}: {Outcome}.")]
    public static partial void StartRequested(ILogger logger, string supervisor, string outcome);

    [LoggerMessage(5001, LogLevel.Warning, "Dashboard request refused: {Why}.")]
    public static partial void Refused(ILogger logger, string why);

    [LoggerMessage(5002, LogLevel.Information, "Live stream refused for {Supervisor}: {Max} streams already open.")]
    public static partial void TooManyStreams(ILogger logger, string supervisor, int max);

    [LoggerMessage(5003, LogLevel.Debug, "Live stream for {Supervisor} ended.")]
    public static partial void StreamEnded(ILogger logger, string supervisor);

    [LoggerMessage(5004, LogLevel.Warning, "Antiforgery validation failed for a dashboard POST.")]
    public static partial void AntiforgeryFailed(ILogger logger);
}
