namespace EslSupervision.Hosting;

/// <summary>How service-code calls reach the controller.</summary>
/// <remarks>Public because it is <see cref="EslSupervisionHostOptions.Mode"/>, set in configuration.</remarks>
public enum EslSupervisionHostMode
{
    /// <summary>The dialplan parks service-code calls; the controller handles them on its inbound connection (default).</summary>
    Inbound,

    /// <summary>
    /// The dialplan hands service-code calls to the controller with the <c>socket</c> application; an
    /// <see cref="EventSocket.EslOutboundListener"/> accepts them. The inbound connection still feeds the call registry.
    /// </summary>
    Outbound,
}

/// <summary>
/// Settings of the Generic Host integration, bound from the <c>EslSupervision</c> section
/// (<c>EslSupervision:Mode</c>) by <c>AddEslSupervision(IConfiguration)</c>.
/// </summary>
/// <remarks>Public because <c>AddEslSupervision</c> binds it from configuration and it can be configured in code.</remarks>
public sealed class EslSupervisionHostOptions
{
    /// <summary>The sub-section of <c>EslSupervision</c> bound to <see cref="EventSocket.EslClientOptions"/>: <c>Connection</c>.</summary>
    public const string ConnectionSectionName = "Connection";

    /// <summary>The sub-section of <c>EslSupervision</c> bound to <see cref="EventSocket.EslOutboundListenerOptions"/>: <c>Outbound</c>.</summary>
    public const string OutboundSectionName = "Outbound";

    /// <summary>How service-code calls reach the controller. Default <see cref="EslSupervisionHostMode.Inbound"/>.</summary>
    public EslSupervisionHostMode Mode { get; set; } = EslSupervisionHostMode.Inbound;

    /// <summary>
    /// Whether the host start fails when the first connection to the switch cannot be made (switch down, password
    /// refused). Default <see langword="false"/>: the host starts, the health check reports <c>Unhealthy</c> with the
    /// reason, and the client keeps trying with its reconnection backoff; supervision begins once connected.
    /// <see langword="true"/> restores the fail-fast start: <c>StartAsync</c> throws and the host does not start.
    /// </summary>
    public bool FailFastOnStart { get; set; }
}
