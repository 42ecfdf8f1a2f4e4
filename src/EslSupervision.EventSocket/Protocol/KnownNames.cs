using System.Runtime.CompilerServices;
using System.Text;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>Shares one string per well-known event name instead of allocating one per event.</summary>
internal static class KnownNames
{
    private static readonly string[] EventNames =
    [
        "CHANNEL_CREATE", "CHANNEL_DESTROY", "CHANNEL_STATE", "CHANNEL_CALLSTATE", "CHANNEL_ANSWER",
        "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE",
        "CHANNEL_HOLD", "CHANNEL_UNHOLD", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_PROGRESS",
        "CHANNEL_PROGRESS_MEDIA", "CHANNEL_OUTGOING", "CHANNEL_PARK", "CHANNEL_UNPARK", "CHANNEL_APPLICATION",
        "CHANNEL_ORIGINATE", "CHANNEL_UUID", "CHANNEL_DATA", "CALL_UPDATE", "DTMF", "MEDIA_BUG_START",
        "MEDIA_BUG_STOP", "BACKGROUND_JOB", "CUSTOM", "HEARTBEAT", "API", "PRESENCE_IN", "CODEC",
        "RECV_RTCP_MESSAGE", "PLAYBACK_START", "PLAYBACK_STOP", "RE_SCHEDULE", "SESSION_HEARTBEAT",
    ];

    private static readonly byte[][] EventNameBytes = EventNames.Select(Encoding.ASCII.GetBytes).ToArray();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string EventName(ReadOnlySpan<byte> raw)
    {
        for (int i = 0; i < EventNameBytes.Length; i++)
        {
            if (raw.SequenceEqual(EventNameBytes[i]))
            {
                return EventNames[i];
            }
        }

        return UrlDecoder.Decode(raw);
    }
}
