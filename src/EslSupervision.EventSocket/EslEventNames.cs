namespace EslSupervision.EventSocket;

/// <summary>Names of FreeSWITCH events, for <see cref="IEslConnection.SubscribeAsync"/> and for comparing with <see cref="EslEvent.EventName"/>.</summary>
/// <remarks>The switch compares event names exactly; these are spelled as it sends them.</remarks>
public static class EslEventNames
{
    /// <summary><c>CHANNEL_CREATE</c>: A channel was created.</summary>
    public const string ChannelCreate = "CHANNEL_CREATE";

    /// <summary><c>CHANNEL_DESTROY</c>: A channel was destroyed (its last event).</summary>
    public const string ChannelDestroy = "CHANNEL_DESTROY";

    /// <summary><c>CHANNEL_STATE</c>: A channel changed its running state (small event).</summary>
    public const string ChannelState = "CHANNEL_STATE";

    /// <summary><c>CHANNEL_CALLSTATE</c>: A channel changed its call state (small event).</summary>
    public const string ChannelCallState = "CHANNEL_CALLSTATE";

    /// <summary><c>CHANNEL_ANSWER</c>: A channel was answered.</summary>
    public const string ChannelAnswer = "CHANNEL_ANSWER";

    /// <summary><c>CHANNEL_PROGRESS</c>: A channel is ringing (progress).</summary>
    public const string ChannelProgress = "CHANNEL_PROGRESS";

    /// <summary><c>CHANNEL_PROGRESS_MEDIA</c>: A channel has early media.</summary>
    public const string ChannelProgressMedia = "CHANNEL_PROGRESS_MEDIA";

    /// <summary><c>CHANNEL_BRIDGE</c>: Two channels were bridged (<c>Bridge-A-Unique-ID</c>, <c>Bridge-B-Unique-ID</c>).</summary>
    public const string ChannelBridge = "CHANNEL_BRIDGE";

    /// <summary><c>CHANNEL_UNBRIDGE</c>: A bridge ended.</summary>
    public const string ChannelUnbridge = "CHANNEL_UNBRIDGE";

    /// <summary><c>CHANNEL_PARK</c>: A channel was parked (waits for a controller).</summary>
    public const string ChannelPark = "CHANNEL_PARK";

    /// <summary><c>CHANNEL_UNPARK</c>: A parked channel left the park.</summary>
    public const string ChannelUnpark = "CHANNEL_UNPARK";

    /// <summary><c>CHANNEL_EXECUTE</c>: A channel started an application.</summary>
    public const string ChannelExecute = "CHANNEL_EXECUTE";

    /// <summary><c>CHANNEL_EXECUTE_COMPLETE</c>: A channel finished an application (<c>Application-UUID</c> is the <c>Event-UUID</c> sent with it).</summary>
    public const string ChannelExecuteComplete = "CHANNEL_EXECUTE_COMPLETE";

    /// <summary><c>CHANNEL_APPLICATION</c>: An application fired an event on a channel (e.g. the <c>event</c> application, digit bindings).</summary>
    public const string ChannelApplication = "CHANNEL_APPLICATION";

    /// <summary><c>CHANNEL_HANGUP</c>: A channel hung up.</summary>
    public const string ChannelHangup = "CHANNEL_HANGUP";

    /// <summary><c>CHANNEL_HANGUP_COMPLETE</c>: A channel finished hanging up (carries the final variables and <c>Hangup-Cause</c>).</summary>
    public const string ChannelHangupComplete = "CHANNEL_HANGUP_COMPLETE";

    /// <summary><c>CHANNEL_ORIGINATE</c>: An outbound leg was originated.</summary>
    public const string ChannelOriginate = "CHANNEL_ORIGINATE";

    /// <summary><c>CHANNEL_DATA</c>: A channel's data (the outbound <c>connect</c> reply, <c>uuid_dump</c>).</summary>
    public const string ChannelData = "CHANNEL_DATA";

    /// <summary><c>CHANNEL_HOLD</c>: A channel was put on hold.</summary>
    public const string ChannelHold = "CHANNEL_HOLD";

    /// <summary><c>CHANNEL_UNHOLD</c>: A channel was taken off hold.</summary>
    public const string ChannelUnhold = "CHANNEL_UNHOLD";

    /// <summary><c>CALL_UPDATE</c>: A call's caller or callee information changed.</summary>
    public const string CallUpdate = "CALL_UPDATE";

    /// <summary><c>DTMF</c>: A DTMF digit was received (<c>DTMF-Digit</c>).</summary>
    public const string Dtmf = "DTMF";

    /// <summary><c>PLAYBACK_START</c>: Playback of a file started.</summary>
    public const string PlaybackStart = "PLAYBACK_START";

    /// <summary><c>PLAYBACK_STOP</c>: Playback of a file stopped.</summary>
    public const string PlaybackStop = "PLAYBACK_STOP";

    /// <summary><c>RECORD_START</c>: Recording started.</summary>
    public const string RecordStart = "RECORD_START";

    /// <summary><c>RECORD_STOP</c>: Recording stopped.</summary>
    public const string RecordStop = "RECORD_STOP";

    /// <summary><c>MEDIA_BUG_START</c>: A media bug (e.g. eavesdrop, recording) was attached.</summary>
    public const string MediaBugStart = "MEDIA_BUG_START";

    /// <summary><c>MEDIA_BUG_STOP</c>: A media bug was removed.</summary>
    public const string MediaBugStop = "MEDIA_BUG_STOP";

    /// <summary><c>BACKGROUND_JOB</c>: The result of a <c>bgapi</c> command (<c>Job-UUID</c>; the output is the body).</summary>
    public const string BackgroundJob = "BACKGROUND_JOB";

    /// <summary><c>API</c>: An <c>api</c> command was run (fired for every one).</summary>
    public const string Api = "API";

    /// <summary><c>HEARTBEAT</c>: The switch's periodic status (every 20 seconds by default).</summary>
    public const string Heartbeat = "HEARTBEAT";

    /// <summary><c>SESSION_HEARTBEAT</c>: A channel's periodic heartbeat, when enabled on it.</summary>
    public const string SessionHeartbeat = "SESSION_HEARTBEAT";

    /// <summary><c>CUSTOM</c>: A custom event; <c>Event-Subclass</c> names it.</summary>
    public const string Custom = "CUSTOM";

    /// <summary><c>PRESENCE_IN</c>: Presence information for a user.</summary>
    public const string PresenceIn = "PRESENCE_IN";

    /// <summary><c>SHUTDOWN</c>: The switch is shutting down.</summary>
    public const string Shutdown = "SHUTDOWN";

    /// <summary><c>ALL</c>: Subscribes every event, custom subclasses included (only for <c>event</c> subscriptions).</summary>
    public const string All = "ALL";
}
