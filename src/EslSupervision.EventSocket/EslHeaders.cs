namespace EslSupervision.EventSocket;

/// <summary>Names of common event headers, for <see cref="EslEvent"/> look-ups and event filters.</summary>
/// <remarks>Header look-ups on <see cref="EslEvent"/> ignore case; filters on the switch compare names case-insensitively too. Channel variables arrive as <c>variable_&lt;name&gt;</c> headers; read them with <see cref="EslEvent.GetVariable"/>.</remarks>
public static class EslHeaders
{
    /// <summary><c>Event-Name</c>: The event's name, e.g. <c>CHANNEL_ANSWER</c>.</summary>
    public const string EventName = "Event-Name";

    /// <summary><c>Event-Subclass</c>: The subclass of a <c>CUSTOM</c> event.</summary>
    public const string EventSubclass = "Event-Subclass";

    /// <summary><c>Event-Sequence</c>: A global counter in creation order (not always delivery order).</summary>
    public const string EventSequence = "Event-Sequence";

    /// <summary><c>Event-Date-Timestamp</c>: When the event was created, in microseconds since the Unix epoch.</summary>
    public const string EventDateTimestamp = "Event-Date-Timestamp";

    /// <summary><c>Event-UUID</c>: The UUID of a <c>sendevent</c> event, or the id sent with <c>sendmsg</c>.</summary>
    public const string EventUuid = "Event-UUID";

    /// <summary><c>Core-UUID</c>: The switch's own UUID (changes on restart).</summary>
    public const string CoreUuid = "Core-UUID";

    /// <summary><c>Unique-ID</c>: The channel's UUID.</summary>
    public const string UniqueId = "Unique-ID";

    /// <summary><c>Channel-Name</c>: The channel's name, e.g. <c>sofia/internal/1004@pbx.lab</c>.</summary>
    public const string ChannelName = "Channel-Name";

    /// <summary><c>Channel-State</c>: The channel's running state, e.g. <c>CS_EXECUTE</c>.</summary>
    public const string ChannelState = "Channel-State";

    /// <summary><c>Channel-Call-State</c>: The channel's call state, e.g. <c>ACTIVE</c>.</summary>
    public const string ChannelCallState = "Channel-Call-State";

    /// <summary><c>Answer-State</c>: <c>ringing</c>, <c>early</c>, <c>answered</c> or <c>hangup</c>.</summary>
    public const string AnswerState = "Answer-State";

    /// <summary><c>Call-Direction</c>: <c>inbound</c> (the leg called the switch) or <c>outbound</c> (the switch called it).</summary>
    public const string CallDirection = "Call-Direction";

    /// <summary><c>Caller-Caller-ID-Number</c>: The caller ID number. Set by the caller: never an identity.</summary>
    public const string CallerCallerIdNumber = "Caller-Caller-ID-Number";

    /// <summary><c>Caller-Caller-ID-Name</c>: The caller ID name.</summary>
    public const string CallerCallerIdName = "Caller-Caller-ID-Name";

    /// <summary><c>Caller-Destination-Number</c>: The number the channel dialled.</summary>
    public const string CallerDestinationNumber = "Caller-Destination-Number";

    /// <summary><c>Caller-Context</c>: The dialplan context of the channel.</summary>
    public const string CallerContext = "Caller-Context";

    /// <summary><c>Caller-Unique-ID</c>: The UUID in the channel's caller profile.</summary>
    public const string CallerUniqueId = "Caller-Unique-ID";

    /// <summary><c>Other-Leg-Unique-ID</c>: The UUID of the other leg of the call.</summary>
    public const string OtherLegUniqueId = "Other-Leg-Unique-ID";

    /// <summary><c>Other-Type</c>: How the other leg relates: <c>originator</c> or <c>originatee</c>.</summary>
    public const string OtherType = "Other-Type";

    /// <summary><c>Bridge-A-Unique-ID</c>: The A-leg of a <c>CHANNEL_BRIDGE</c>/<c>CHANNEL_UNBRIDGE</c>.</summary>
    public const string BridgeAUniqueId = "Bridge-A-Unique-ID";

    /// <summary><c>Bridge-B-Unique-ID</c>: The B-leg of a <c>CHANNEL_BRIDGE</c>/<c>CHANNEL_UNBRIDGE</c>.</summary>
    public const string BridgeBUniqueId = "Bridge-B-Unique-ID";

    /// <summary><c>Hangup-Cause</c>: Why a channel hung up, e.g. <c>NORMAL_CLEARING</c>.</summary>
    public const string HangupCause = "Hangup-Cause";

    /// <summary><c>Application</c>: The application of a <c>CHANNEL_EXECUTE</c>/<c>CHANNEL_EXECUTE_COMPLETE</c>.</summary>
    public const string Application = "Application";

    /// <summary><c>Application-Data</c>: The application's argument.</summary>
    public const string ApplicationData = "Application-Data";

    /// <summary><c>Application-UUID</c>: The <c>Event-UUID</c> sent with the <c>sendmsg</c> that queued the application.</summary>
    public const string ApplicationUuid = "Application-UUID";

    /// <summary><c>Application-Response</c>: What the application reported when it finished (<c>_none_</c> if nothing).</summary>
    public const string ApplicationResponse = "Application-Response";

    /// <summary><c>Job-UUID</c>: The id of a <c>bgapi</c> job (chosen by this client).</summary>
    public const string JobUuid = "Job-UUID";

    /// <summary><c>Job-Command</c>: The command of a <c>bgapi</c> job.</summary>
    public const string JobCommand = "Job-Command";

    /// <summary><c>DTMF-Digit</c>: The digit of a <c>DTMF</c> event.</summary>
    public const string DtmfDigit = "DTMF-Digit";

    /// <summary><c>Content-Type</c>: The frame's content type, e.g. <c>text/event-plain</c>.</summary>
    public const string ContentType = "Content-Type";

    /// <summary><c>Content-Length</c>: The length of the body in bytes.</summary>
    public const string ContentLength = "Content-Length";

    /// <summary><c>Reply-Text</c>: The text of a <c>command/reply</c>, e.g. <c>+OK accepted</c>.</summary>
    public const string ReplyText = "Reply-Text";
}
