using EslSupervision.Permissions;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <summary>The controller's log lines (event ids 3000-3099). Legs by UUID only at Debug; no phone numbers.</summary>
internal static partial class ControllerLog
{
    [LoggerMessage(3000, LogLevel.Information, "Supervision started: {Supervisor} on {Agent} in {Mode} mode.")]
    public static partial void Started(ILogger logger, string? supervisor, string? agent, SupervisionMode mode);

    [LoggerMessage(3001, LogLevel.Information, "Supervision refused: {Reason}.")]
    public static partial void Denied(ILogger logger, DenialReason reason);

    [LoggerMessage(3002, LogLevel.Information, "Supervision mode changed from {From} to {To} ({Trigger}).")]
    public static partial void ModeChanged(ILogger logger, SupervisionMode from, SupervisionMode to, SupervisionTrigger trigger);

    [LoggerMessage(3003, LogLevel.Information, "Supervision mode change to {To} refused: {Reason}.")]
    public static partial void ModeChangeDenied(ILogger logger, SupervisionMode to, DenialReason reason);

    [LoggerMessage(3004, LogLevel.Information, "Supervision ended ({Reason}) after {Seconds:0.0} s.")]
    public static partial void Ended(ILogger logger, SupervisionEndReason reason, double seconds);

    [LoggerMessage(3005, LogLevel.Information, "Adopted {Count} running supervisions after (re)connecting; {Channels} channels known.")]
    public static partial void Adopted(ILogger logger, int count, int channels);

    [LoggerMessage(3006, LogLevel.Error, "Supervision work failed.")]
    public static partial void WorkFailed(ILogger logger, Exception error);

    [LoggerMessage(3007, LogLevel.Warning, "Could not resynchronise with the switch after (re)connecting.")]
    public static partial void ResyncFailed(ILogger logger, Exception error);

    [LoggerMessage(3008, LogLevel.Warning, "Could not play the refusal and hang up cleanly; killing the supervisor's leg.")]
    public static partial void RefusalFallback(ILogger logger, Exception error);

    [LoggerMessage(3009, LogLevel.Debug, "Ignored key {Digit}: {Why}.")]
    public static partial void DigitIgnored(ILogger logger, string digit, string why);

    [LoggerMessage(3060, LogLevel.Warning, "Running supervision ended: permission revoked ({Reason}).")]
    public static partial void Revoked(ILogger logger, DenialReason reason);

    [LoggerMessage(3061, LogLevel.Warning, "Outbound session refused: its channel is not known to the switch's inbound connection with the same authenticated identity (a process other than the switch may be connecting to the outbound port).")]
    public static partial void OutboundNotVouched(ILogger logger);
}
