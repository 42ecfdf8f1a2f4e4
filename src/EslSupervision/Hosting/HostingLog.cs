using Microsoft.Extensions.Logging;

namespace EslSupervision.Hosting;

/// <summary>The host integration's log lines (event ids 4000-4099). Endpoints only; never a password.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(4000, LogLevel.Information, "Starting call supervision in {Mode} mode against FreeSWITCH at {Endpoint}.")]
    public static partial void Starting(ILogger logger, EslSupervisionHostMode mode, string endpoint);

    [LoggerMessage(4001, LogLevel.Error, "Could not connect to FreeSWITCH at {Endpoint}; call supervision does not start.")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(4002, LogLevel.Information, "Call supervision is running in {Mode} mode.")]
    public static partial void Started(ILogger logger, EslSupervisionHostMode mode);

    [LoggerMessage(4003, LogLevel.Information, "Accepting service-code calls from the socket application on {EndPoint}.")]
    public static partial void OutboundListening(ILogger logger, string endPoint);

    [LoggerMessage(4004, LogLevel.Information, "Stopping call supervision; running supervisions stay up in the switch.")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(4005, LogLevel.Information, "Call supervision stopped.")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(4006, LogLevel.Warning, "Call supervision did not stop within the host's shutdown timeout; it finishes in the background.")]
    public static partial void StopTimedOut(ILogger logger);

    [LoggerMessage(4050, LogLevel.Warning, "FreeSWITCH at {Endpoint} is not reachable yet; the host starts anyway and call supervision begins once connected (health: Unhealthy until then).")]
    public static partial void StartingWithoutSwitch(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(4051, LogLevel.Error, "Starting call supervision failed after connecting; retrying once the connection is back.")]
    public static partial void DeferredStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(4052, LogLevel.Information, "Connected to FreeSWITCH at {Endpoint} after a deferred start; call supervision begins.")]
    public static partial void DeferredConnected(ILogger logger, string endpoint);
}
