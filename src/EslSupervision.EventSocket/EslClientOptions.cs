using System.ComponentModel.DataAnnotations;

namespace EslSupervision.EventSocket;

/// <summary>Settings of an inbound Event Socket connection. Validated when the client starts; there is no default password.</summary>
public sealed class EslClientOptions
{
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

    /// <summary>How long a command waits for its reply. Default 10 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a <c>bgapi</c> waits for its <c>BACKGROUND_JOB</c>. Default 2 minutes.</summary>
    public TimeSpan BackgroundJobTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether a lost connection is re-established (with re-authentication and the subscriptions and filters restored). Default on.</summary>
    public bool Reconnect { get; set; } = true;

    /// <summary>The first reconnection delay; it doubles per failed attempt. Default 500 ms.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest reconnection delay. Default 30 seconds.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many received events may wait for slow subscribers before <see cref="OverflowPolicy"/> applies. Default 1,024.
    /// Each consumer has its own buffer of this size: the <see cref="IEslConnection.Events"/> subscribers share one,
    /// and every <see cref="EslEventReader"/> (the library's own call registry uses one) has its own.
    /// The read loop never waits for subscribers unless the policy is <see cref="EslOverflowPolicy.Wait"/>.
    /// </summary>
    [Range(16, int.MaxValue)]
    public int EventBufferCapacity { get; set; } = 1_024;

    /// <summary>
    /// How many bytes of events (their size on the wire) may wait in one buffer before <see cref="OverflowPolicy"/>
    /// applies, whatever their number. Default 16 MiB (about 2,000 typical channel events); at least 64 KiB.
    /// An event larger than this still passes when the buffer is empty.
    /// </summary>
    [Range(64 * 1024, long.MaxValue)]
    public long EventBufferMaxBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>What happens when the event buffer is full. Default <see cref="EslOverflowPolicy.DropOldest"/>.</summary>
    public EslOverflowPolicy OverflowPolicy { get; set; } = EslOverflowPolicy.DropOldest;

    /// <summary>The largest frame accepted from the switch; a larger one is a protocol error. Default 64 MiB.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxFrameSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// How long the connection may stay completely silent (no event, no reply) before it is declared dead, closed and
    /// re-established. The client subscribes to <c>HEARTBEAT</c>, which FreeSWITCH sends every 20 seconds by default
    /// (<c>event-heartbeat-interval</c>), so a live switch is never silent that long. Default 60 seconds (three missed
    /// heartbeats); <see cref="TimeSpan.Zero"/> turns the check (and the HEARTBEAT subscription) off.
    /// </summary>
    public TimeSpan LivenessTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many commands in a row may time out before the connection is declared dead, closed and re-established.
    /// Default 3; 0 turns the check off.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxConsecutiveCommandTimeouts { get; set; } = 3;

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
    /// </summary>
    Wait,
}
