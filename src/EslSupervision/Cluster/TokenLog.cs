using Microsoft.Extensions.Logging;

namespace EslSupervision.Cluster;

/// <summary>
/// Log lines of cross-switch tokens (event ids 6100-6119). Never the token, never a key: a token is named by
/// the first characters of its nonce at most.
/// </summary>
internal static partial class TokenLog
{
    [LoggerMessage(6100, LogLevel.Debug, "Supervision token issued for {TargetSwitch} (key {KeyId}, nonce {NoncePrefix}…).")]
    public static partial void Issued(ILogger logger, string targetSwitch, string keyId, string noncePrefix);

    [LoggerMessage(6101, LogLevel.Warning, "Supervision token could not be issued: {Why}.")]
    public static partial void IssueFailed(ILogger logger, string why);

    [LoggerMessage(6102, LogLevel.Information, "Supervision token accepted for {Supervisor} from {OriginSwitch} (nonce {NoncePrefix}…).")]
    public static partial void Accepted(ILogger logger, string supervisor, string originSwitch, string noncePrefix);

    [LoggerMessage(6103, LogLevel.Warning, "Supervision token refused: {Reason} (nonce {NoncePrefix}).")]
    public static partial void Refused(ILogger logger, SupervisionTokenRefusal reason, string noncePrefix);

    [LoggerMessage(6104, LogLevel.Warning, "Supervision token store failed or timed out; refusing the token (nonce {NoncePrefix}…).")]
    public static partial void StoreFailed(ILogger logger, Exception error, string noncePrefix);
}
