using System.ComponentModel.DataAnnotations;

namespace EslSupervision.EventSocket;

/// <summary>
/// Settings of an inbound Event Socket connection. Validated when the client starts; there is no default password.
/// What it shares with the outbound listener (time-outs, event buffer, frame size) is in <see cref="EslConnectionOptions"/>.
/// </summary>
public sealed class EslClientOptions : EslConnectionOptions
{
    /// <summary>Creates the settings with their defaults.</summary>
    public EslClientOptions()
        : base(eventBufferCapacity: 1_024, maxFrameSize: 64 * 1024 * 1024)
    {
    }

    /// <summary>The switch's host name or address. Default <c>127.0.0.1</c>.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The switch's Event Socket port. Default 8021.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 8021;

    /// <summary>The Event Socket password (<c>auth</c>), or the user's password with <see cref="User"/>. Required; never logged.</summary>
    [Required]
    public string Password { get; set; } = string.Empty;

    /// <summary>Authenticates with <c>userauth &lt;user@domain&gt;:&lt;password&gt;</c> instead of <c>auth</c> when set.</summary>
    public string? User { get; set; }

    /// <summary>How long to wait for the socket and the authentication. Default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether a lost connection is re-established (with re-authentication and the subscriptions and filters restored). Default on.</summary>
    public bool Reconnect { get; set; } = true;

    /// <summary>The first reconnection delay; it doubles per failed attempt. Default 500 ms.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest reconnection delay. Default 30 seconds.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the connection may stay completely silent (no event, no reply) before it is declared dead, closed and
    /// re-established. The client subscribes to <c>HEARTBEAT</c>, which FreeSWITCH sends every 20 seconds by default
    /// (<c>event-heartbeat-interval</c>), so a live switch is never silent that long: in the same <c>event</c> command
    /// as the first subscription after connecting, or on its own after min(5 s, a quarter of this timeout) if nothing
    /// subscribes. Default 60 seconds (three missed
    /// heartbeats); <see cref="TimeSpan.Zero"/> turns the check (and the HEARTBEAT subscription) off.
    /// </summary>
    public TimeSpan LivenessTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many commands in a row may time out before the connection is declared dead, closed and re-established.
    /// Default 3; 0 turns the check off.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxConsecutiveCommandTimeouts { get; set; } = 3;

    /// <summary>
    /// Under <see cref="EslOverflowPolicy.Wait"/>: how often the stall watch looks at a delivery on the read thread
    /// (a batch delivered for a whole period ends inline delivery). Not public: tests lengthen it where a descheduled
    /// test host must not count as a stalled subscriber.
    /// </summary>
    internal TimeSpan InlineStallPeriod { get; set; } = Client.EslConnectionSettings.DefaultInlineStallPeriod;

    /// <summary>A description without the password.</summary>
    public override string ToString() => $"{Host}:{Port}{(User is null ? string.Empty : " as " + User)}";
}

/// <summary>What a connection does when subscribers fall behind and the event buffer is full.</summary>
public enum EslOverflowPolicy
{
    /// <summary>Drop the oldest buffered event to make room (counted and logged). Keeps the freshest state.</summary>
    DropOldest,

    /// <summary>Drop the event that just arrived (counted and logged).</summary>
    DropNewest,

    /// <summary>
    /// Stop reading the socket until there is room. Nothing is lost on this side, but the switch queues events
    /// for the connection and drops it after 500 lost events (its limit is 100,000 queued).
    /// <para>
    /// With this policy the subscribers pace the socket anyway, so an <see cref="EslInboundClient"/> calls its
    /// <see cref="IEslConnection.Events"/>, <see cref="EslConnection.Logs"/> and notice subscribers on its socket read
    /// thread, with no hand-off to a dispatch thread, while they keep up. A subscriber that holds that thread for
    /// 100-200 ms (slow work, or waiting for a reply that only the socket can bring), or while the connection closes,
    /// moves reading to a new thread and delivery behind the buffer, as with the other policies, for the rest of the
    /// client's life (logged once). Replies to commands sent meanwhile wait behind the subscriber that long at most.
    /// </para>
    /// </summary>
    Wait,
}
