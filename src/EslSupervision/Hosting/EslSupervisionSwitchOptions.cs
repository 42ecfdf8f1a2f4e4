namespace EslSupervision.Hosting;

/// <summary>
/// One switch of a cluster, bound from <c>EslSupervision:Switches:{name}</c> by <c>AddEslSupervision(IConfiguration)</c>
/// (as named options, the switch's name being the options name). Its Event Socket settings are in
/// <c>EslSupervision:Switches:{name}:Connection</c>, the same shape as the single switch's <c>EslSupervision:Connection</c>.
/// </summary>
/// <remarks>Public because it is bound from configuration and can be configured in code (<c>services.Configure&lt;EslSupervisionSwitchOptions&gt;(name, ...)</c>).</remarks>
public sealed class EslSupervisionSwitchOptions
{
    /// <summary>The sub-section of <c>EslSupervision</c> that lists the switches by name: <c>Switches</c>.</summary>
    public const string SwitchesSectionName = "Switches";

    /// <summary>The placeholder in <see cref="DialString"/> that the single-use token replaces: <c>{destination}</c>.</summary>
    public const string DestinationPlaceholder = "{destination}";

    /// <summary>
    /// How the other switches reach this one for supervision: the <c>bridge</c> endpoint with a <c>{destination}</c>
    /// placeholder, e.g. <c>sofia/gateway/to-b/{destination}</c> (a gateway on each peer pointing at this switch's
    /// inter-switch profile, see <c>freeswitch-conf/</c>). Only letters, digits and <c>/ . _ @ : + ; = % ~ -</c> are
    /// accepted besides the placeholder: no variable blocks, separators, spaces or line breaks. When not set, no
    /// supervisor on another switch can supervise calls on this one (refused, <c>SwitchUnavailable</c>).
    /// </summary>
    public string? DialString { get; set; }
}
