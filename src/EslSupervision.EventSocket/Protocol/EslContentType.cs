namespace EslSupervision.EventSocket.Protocol;

/// <summary>The <c>Content-Type</c> values FreeSWITCH sends, by what the client does with them.</summary>
internal enum EslContentType
{
    Unknown,
    AuthRequest,
    CommandReply,
    ApiResponse,
    EventPlain,
    EventJson,
    EventXml,
    DisconnectNotice,
    RudeRejection,
    LogData,
}

internal static class EslContentTypes
{
    public static EslContentType Classify(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("text/event-plain"u8) => EslContentType.EventPlain,
        _ when value.SequenceEqual("command/reply"u8) => EslContentType.CommandReply,
        _ when value.SequenceEqual("api/response"u8) => EslContentType.ApiResponse,
        _ when value.SequenceEqual("text/event-json"u8) => EslContentType.EventJson,
        _ when value.SequenceEqual("text/event-xml"u8) => EslContentType.EventXml,
        _ when value.SequenceEqual("auth/request"u8) => EslContentType.AuthRequest,
        _ when value.SequenceEqual("text/disconnect-notice"u8) => EslContentType.DisconnectNotice,
        _ when value.SequenceEqual("text/rude-rejection"u8) => EslContentType.RudeRejection,
        _ when value.SequenceEqual("log/data"u8) => EslContentType.LogData,
        _ => EslContentType.Unknown,
    };
}
