using System.Globalization;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <summary>
/// Originated legs that ring until the test answers them (<see cref="FakeUser.AutoAnswer"/> false). As on the real
/// switch, <c>originate</c> replies only when the leg is answered (<c>+OK &lt;uuid&gt;</c>) or has failed
/// (<c>-ERR NO_ANSWER</c> after <c>originate_timeout</c>, or the cause it was rejected with); while it rings the leg
/// exists (CHANNEL_CREATE, <c>Channel-Call-State: RINGING</c>).
/// </summary>
public sealed partial class FakeFreeSwitch
{
    private const string PendingPrefix = "\0pending-originate:";

    /// <summary>The switch's default <c>originate_timeout</c>, in seconds.</summary>
    private const int DefaultOriginateTimeoutSeconds = 60;

    private readonly Dictionary<string, RingingLeg> _ringing = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The UUIDs of originated legs that ring now (not yet answered, rejected or timed out).</summary>
    public IReadOnlyList<string> RingingLegs
    {
        get { lock (Gate) { return [.. _ringing.Keys]; } }
    }

    /// <summary>Answers a ringing originated leg: CHANNEL_ANSWER, then its application (e.g. <c>park</c>), then originate's <c>+OK</c> reply.</summary>
    /// <param name="uuid">The ringing leg.</param>
    /// <returns><see langword="false"/> if no leg with that UUID rings.</returns>
    public bool AnswerRinging(string uuid)
    {
        lock (Gate)
        {
            if (!_ringing.Remove(uuid, out RingingLeg? ringing) || ringing.Channel.IsHungUp)
            {
                return false;
            }

            ringing.Timer?.Dispose();
            AnswerOriginatedLocked(ringing.Channel, ringing.Target, ringing.Context);
            ringing.Reply?.Invoke($"+OK {ringing.Channel.Uuid}\n");
            NotifyChannelWaiters();
            return true;
        }
    }

    /// <summary>Rejects a ringing originated leg: it hangs up with <paramref name="cause"/> and originate replies <c>-ERR &lt;cause&gt;</c>.</summary>
    /// <param name="uuid">The ringing leg.</param>
    /// <param name="cause">The hang-up cause, e.g. <c>CALL_REJECTED</c> or <c>USER_BUSY</c>.</param>
    /// <returns><see langword="false"/> if no leg with that UUID rings.</returns>
    public bool RejectRinging(string uuid, string cause = "CALL_REJECTED")
    {
        lock (Gate)
        {
            return FailRingingLocked(uuid, cause);
        }
    }

    /// <summary>Waits until an originated leg to <paramref name="extension"/>@<paramref name="domain"/> rings.</summary>
    /// <param name="extension">The called user's extension.</param>
    /// <param name="domain">The called user's domain.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The ringing channel.</returns>
    public Task<FakeChannel> WaitForRingingAsync(string extension, string domain, CancellationToken cancellationToken = default)
    {
        string presence = $"{extension}@{domain}";
        return WaitForChannelAsync(c => string.Equals(c.PresenceId, presence, StringComparison.OrdinalIgnoreCase) && IsRingingLocked(c.Uuid), cancellationToken);
    }

    internal static bool IsPendingOriginateReply(string result) => result.StartsWith(PendingPrefix, StringComparison.Ordinal);

    /// <summary>When <paramref name="result"/> says a ringing leg's reply is held back, keeps <paramref name="reply"/> to send it later. Caller holds the gate.</summary>
    internal bool TryHoldOriginateReply(string result, Action<string> reply)
    {
        if (!IsPendingOriginateReply(result))
        {
            return false;
        }

        if (_ringing.TryGetValue(result[PendingPrefix.Length..], out RingingLeg? ringing))
        {
            ringing.Reply = reply;
        }

        return true;
    }

    private static string PendingOriginateReply(string uuid) => PendingPrefix + uuid;

    private bool IsRingingLocked(string uuid) => _ringing.ContainsKey(uuid);

    private void StartRingingLocked(FakeChannel c, string target, string context, string? timeoutSeconds)
    {
        Emit("CHANNEL_CREATE", c, "switch_core_state_machine.c", "switch_core_session_run", 626);
        c.CallState = "RINGING";
        int seconds = int.TryParse(timeoutSeconds, NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : DefaultOriginateTimeoutSeconds;
        var ringing = new RingingLeg(c, target, context);
        _ringing[c.Uuid] = ringing;
        ringing.Timer = Options.TimeProvider.CreateTimer(_ => OnRingTimeout(c.Uuid), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
    }

    private void OnRingTimeout(string uuid)
    {
        lock (Gate)
        {
            FailRingingLocked(uuid, "NO_ANSWER");
        }
    }

    private bool FailRingingLocked(string uuid, string cause)
    {
        if (!_ringing.Remove(uuid, out RingingLeg? ringing))
        {
            return false;
        }

        ringing.Timer?.Dispose();
        if (!ringing.Channel.IsHungUp)
        {
            HangupLocked(ringing.Channel, cause, null);
        }

        ringing.Reply?.Invoke($"-ERR {cause}\n");
        NotifyChannelWaiters();
        return true;
    }

    private sealed class RingingLeg(FakeChannel channel, string target, string context)
    {
        public FakeChannel Channel { get; } = channel;

        public string Target { get; } = target;

        public string Context { get; } = context;

        public ITimer? Timer { get; set; }

        public Action<string>? Reply { get; set; }
    }
}
