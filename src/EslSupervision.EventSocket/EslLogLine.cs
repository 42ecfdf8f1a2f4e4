namespace EslSupervision.EventSocket;

/// <summary>A log line the switch sent after <c>log &lt;level&gt;</c> (<c>log/data</c>).</summary>
/// <param name="Level">The syslog-style level (0 emergency … 7 debug).</param>
/// <param name="File">The source file that logged it.</param>
/// <param name="Function">The function that logged it.</param>
/// <param name="Line">The source line.</param>
/// <param name="UserData">The channel UUID or other user data, if any.</param>
/// <param name="Text">The log text.</param>
public sealed record EslLogLine(int Level, string? File, string? Function, int Line, string? UserData, string Text);

/// <summary>A <c>text/disconnect-notice</c> from the switch.</summary>
/// <param name="IsLinger"><see langword="true"/> for the linger notice: the controlled channel hung up and the socket stays open for the remaining events.</param>
/// <param name="ControlledSessionUuid">The controlled channel (outbound sessions), if any.</param>
/// <param name="LingerTime">The linger time in seconds, for linger notices.</param>
/// <param name="Text">The notice's body, e.g. <c>Disconnected, goodbye.</c></param>
public sealed record EslDisconnectNotice(bool IsLinger, string? ControlledSessionUuid, int? LingerTime, string Text);
