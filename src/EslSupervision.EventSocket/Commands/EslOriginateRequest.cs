namespace EslSupervision.EventSocket;

/// <summary>
/// What <see cref="EslCommands.OriginateAsync"/> dials: one endpoint, optional channel variables, and where the
/// answered leg goes (an application such as <c>park</c>, or an extension of the dialplan).
/// </summary>
/// <remarks>
/// Every value is checked before anything is written; see <see cref="EslCommands"/> for the rules. Caller ID and
/// the ring timeout travel as the channel variables <c>origination_caller_id_name</c>,
/// <c>origination_caller_id_number</c> and <c>originate_timeout</c>, so they apply to both destination forms.
/// </remarks>
public sealed class EslOriginateRequest
{
    /// <summary>Creates a request that dials <paramref name="endpoint"/> and parks the answered leg.</summary>
    /// <param name="endpoint">A dial string for one leg, e.g. <c>user/1004@pbx.lab</c> or <c>sofia/gateway/carrier/5551234</c>.</param>
    public EslOriginateRequest(string endpoint)
    {
        Endpoint = endpoint;
    }

    /// <summary>The dial string, e.g. <c>user/1004@pbx.lab</c>. One leg: no <c>,</c> or <c>|</c>.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// The new leg's UUID (sent as <c>origination_uuid</c>). When <see langword="null"/> the helper picks a new one,
    /// so the UUID is known before the switch answers and events of the ringing leg can be matched at once.
    /// </summary>
    public string? UniqueId { get; init; }

    /// <summary>The application the answered leg runs, e.g. <c>park</c> (the default) or <c>playback</c>. Ignored when <see cref="Extension"/> is set.</summary>
    public string Application { get; init; } = "park";

    /// <summary>The application's argument (no whitespace and no <c>)</c>), or <see langword="null"/>.</summary>
    public string? ApplicationArgument { get; init; }

    /// <summary>When set, the answered leg goes to this extension of the dialplan instead of running <see cref="Application"/>.</summary>
    public string? Extension { get; init; }

    /// <summary>The dialplan for <see cref="Extension"/>. Default <c>XML</c>.</summary>
    public string Dialplan { get; init; } = "XML";

    /// <summary>The dialplan context for <see cref="Extension"/>. Default <c>default</c>.</summary>
    public string Context { get; init; } = "default";

    /// <summary>The caller ID name the called party sees (no whitespace, see <see cref="EslCommands"/>), or <see langword="null"/>.</summary>
    public string? CallerIdName { get; init; }

    /// <summary>The caller ID number the called party sees, or <see langword="null"/>.</summary>
    public string? CallerIdNumber { get; init; }

    /// <summary>
    /// How long the switch lets the leg ring before it gives up (<c>originate_timeout</c>, 1 second to 1 hour), or
    /// <see langword="null"/> for the switch's default. Keep it below the connection's <c>BackgroundJobTimeout</c>
    /// (default 2 minutes), or the helper stops waiting before the switch does.
    /// </summary>
    public TimeSpan? RingTimeout { get; init; }

    /// <summary>Further channel variables for the new leg (names: letters, digits, <c>_ - .</c>; values: no whitespace, quotes, braces, brackets or commas).</summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }
}
