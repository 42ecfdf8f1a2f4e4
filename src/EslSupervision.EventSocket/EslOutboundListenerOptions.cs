using System.ComponentModel.DataAnnotations;

namespace EslSupervision.EventSocket;

/// <summary>Settings of an <see cref="EslOutboundListener"/>: where the switch's <c>socket</c> application connects.</summary>
public sealed class EslOutboundListenerOptions
{
    /// <summary>The address to listen on. Default <c>127.0.0.1</c> (the switch and the controller on one host).</summary>
    [Required]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one (see <see cref="EslOutboundListener.LocalEndPoint"/>). Default 8084, the switch's default.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8084;

    /// <summary>How long a command waits for its reply. Default 10 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a <c>bgapi</c> waits for its <c>BACKGROUND_JOB</c>. Default 2 minutes.</summary>
    public TimeSpan BackgroundJobTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Events buffered per session for slow subscribers. Default 4,096.</summary>
    [Range(16, int.MaxValue)]
    public int EventBufferCapacity { get; set; } = 4096;

    /// <summary>What a session does when its event buffer is full. Default <see cref="EslOverflowPolicy.DropOldest"/>.</summary>
    public EslOverflowPolicy OverflowPolicy { get; set; } = EslOverflowPolicy.DropOldest;

    /// <summary>The largest frame accepted. Default 16 MiB.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxFrameSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>Sessions handled at once; further connections are closed at once. Default 1,000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxConcurrentSessions { get; set; } = 1000;
}
