using Microsoft.Extensions.Logging;

namespace EslSupervision.Redis;

/// <summary>The package's log messages (event ids 7100-7199). Endpoints only; never a connection string or password.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "Redis coordination connecting to {Endpoints} (key prefix {KeyPrefix})")]
    public static partial void Connecting(ILogger logger, string endpoints, string keyPrefix);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Redis coordination lost its connection to {Endpoint} ({FailureType}): no new supervision can start until it is back")]
    public static partial void ConnectionFailed(ILogger logger, string endpoint, string failureType);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Redis coordination connection to {Endpoint} restored")]
    public static partial void ConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Debug, Message = "Redis coordination call {Operation} failed: {Reason}")]
    public static partial void OperationFailed(ILogger logger, string operation, string reason);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Redis coordination found an unreadable lease record for {Key}; treated as held by nobody known")]
    public static partial void UnreadableRecord(ILogger logger, string key);
}
