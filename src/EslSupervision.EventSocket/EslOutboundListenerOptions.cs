using System.ComponentModel.DataAnnotations;

namespace EslSupervision.EventSocket;

/// <summary>Settings of an <see cref="EslOutboundListener"/>: where the switch's <c>socket</c> application connects.</summary>
/// <remarks>What it shares with an inbound connection (time-outs, event buffer, frame size) is in <see cref="EslConnectionOptions"/>, and applies per session.</remarks>
public sealed class EslOutboundListenerOptions : EslConnectionOptions
{
    /// <summary>Creates the settings with their defaults.</summary>
    public EslOutboundListenerOptions()
        : base(eventBufferCapacity: 4096, maxFrameSize: 16 * 1024 * 1024)
    {
    }

    /// <summary>The address to listen on. Default <c>127.0.0.1</c> (the switch and the controller on one host).</summary>
    [Required]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one (see <see cref="EslOutboundListener.LocalEndPoint"/>). Default 8084, the switch's default.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8084;

    /// <summary>Sessions handled at once; further connections are closed at once. Default 1,000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxConcurrentSessions { get; set; } = 1000;
}
