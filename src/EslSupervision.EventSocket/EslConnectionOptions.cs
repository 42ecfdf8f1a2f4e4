using System.ComponentModel.DataAnnotations;
using EslSupervision.EventSocket.Client;

namespace EslSupervision.EventSocket;

/// <summary>
/// The settings every Event Socket connection has, inbound (<see cref="EslClientOptions"/>) or outbound
/// (<see cref="EslOutboundListenerOptions"/>, per session): command time-outs, the event buffer between the socket
/// and subscribers, and the largest frame accepted. Validated once, by the same rules, for both.
/// </summary>
/// <remarks>
/// Public because both settings types inherit these properties, and configuration binds them under the same keys
/// in either section (<c>EslSupervision:Connection:CommandTimeout</c>, <c>EslSupervision:Outbound:CommandTimeout</c>).
/// Only the two types of this package derive from it.
/// </remarks>
public abstract class EslConnectionOptions
{
    private protected EslConnectionOptions(int eventBufferCapacity, int maxFrameSize)
    {
        EventBufferCapacity = eventBufferCapacity;
        MaxFrameSize = maxFrameSize;
    }

    /// <summary>
    /// How long a command waits for its reply. Default 10 seconds. On an inbound client it also bounds writing the
    /// command: a switch that stops reading its socket fails the write after this long, and the connection is closed
    /// (and re-established when <c>Reconnect</c> is on) rather than holding the caller.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a <c>bgapi</c> waits for its <c>BACKGROUND_JOB</c>. Default 2 minutes.</summary>
    public TimeSpan BackgroundJobTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How many received events may wait for slow subscribers before <see cref="OverflowPolicy"/> applies (per
    /// session for the outbound listener). Default 1,024 inbound, 4,096 per outbound session. Each consumer has its
    /// own buffer of this size: the <see cref="IEslConnection.Events"/> subscribers share one, and every
    /// <see cref="EslEventReader"/> (the library's own call registry uses one) has its own. The read loop never
    /// waits for subscribers unless the policy is <see cref="EslOverflowPolicy.Wait"/>.
    /// </summary>
    [Range(16, int.MaxValue)]
    public int EventBufferCapacity { get; set; }

    /// <summary>
    /// How many bytes of events (their size on the wire) may wait in one buffer before <see cref="OverflowPolicy"/>
    /// applies, whatever their number. Default 16 MiB (about 2,000 typical channel events); at least 64 KiB.
    /// An event larger than this still passes when the buffer is empty.
    /// </summary>
    [Range(64 * 1024, long.MaxValue)]
    public long EventBufferMaxBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>What happens when the event buffer is full. Default <see cref="EslOverflowPolicy.DropOldest"/>.</summary>
    public EslOverflowPolicy OverflowPolicy { get; set; } = EslOverflowPolicy.DropOldest;

    /// <summary>The largest frame accepted from the switch; a larger one is a protocol error. Default 64 MiB inbound, 16 MiB per outbound session.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxFrameSize { get; set; }

    /// <summary>Adds a failure for each shared setting out of range (the one place these rules live).</summary>
    /// <param name="failures">Where failures are collected.</param>
    internal void ValidateShared(List<string> failures)
    {
        ConnectionSettingsRules.Check(CommandTimeout, BackgroundJobTimeout, EventBufferCapacity, MaxFrameSize, OverflowPolicy, failures);
        ConnectionSettingsRules.CheckBufferBytes(EventBufferMaxBytes, failures);
    }
}
