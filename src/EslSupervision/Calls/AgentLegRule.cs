namespace EslSupervision.Calls;

/// <summary>
/// The few channel facts an <see cref="IAgentLegRule"/> may use, read from the channel's own variables
/// (never from caller ID). Values are <see langword="null"/> when the switch did not report them.
/// </summary>
internal sealed record AgentLegFacts
{
    internal static readonly AgentLegFacts Empty = new();

    /// <summary>The leg's direction (<c>Call-Direction</c>).</summary>
    public CallDirection Direction { get; init; }

    /// <summary><c>variable_dialed_user</c>: the user a <c>user/</c> dial string reached.</summary>
    public string? DialedUser { get; init; }

    /// <summary><c>variable_dialed_domain</c>.</summary>
    public string? DialedDomain { get; init; }

    /// <summary><c>variable_user_name</c>: set by digest authentication on the caller's leg.</summary>
    public string? UserName { get; init; }

    /// <summary><c>variable_domain_name</c>: set by digest authentication.</summary>
    public string? DomainName { get; init; }

    /// <summary><c>variable_presence_id</c>.</summary>
    public string? PresenceId { get; init; }

    /// <summary><c>Channel-Name</c>, e.g. <c>sofia/internal/1004@pbx.lab</c>.</summary>
    public string? ChannelName { get; init; }
}

/// <summary>
/// Decides whether a leg is an agent's own leg, and whose. Replace it for PBXs with other conventions
/// (presence ids, loopback channels, ...). It must be cheap, pure and thread-safe.
/// </summary>
internal interface IAgentLegRule
{
    /// <summary>The agent whose own leg this is, or <see langword="null"/> if it is nobody's (client, carrier, ...).</summary>
    /// <param name="facts">The leg's facts.</param>
    UserIdentity? Identify(AgentLegFacts facts);
}

/// <summary>
/// The rule measured on FreeSWITCH 1.10.12: an <b>outbound</b> leg with <c>dialed_user</c>/<c>dialed_domain</c> is the
/// leg of the agent the call reached; an <b>inbound</b> leg with <c>user_name</c>/<c>domain_name</c> is the leg of
/// the agent who placed the call. The calling leg also carries <c>dialed_user</c>, but it is inbound and
/// unauthenticated, so it is nobody's; caller ID is never used.
/// </summary>
internal sealed class DefaultAgentLegRule : IAgentLegRule
{
    /// <summary>The shared instance.</summary>
    public static DefaultAgentLegRule Instance { get; } = new();

    /// <inheritdoc/>
    public UserIdentity? Identify(AgentLegFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Direction switch
        {
            CallDirection.Outbound when IsUser(facts.DialedUser) && TextRules.IsDomainLike(facts.DialedDomain)
                => new UserIdentity(facts.DialedDomain!, facts.DialedUser!),
            CallDirection.Inbound when IsUser(facts.UserName) && TextRules.IsDomainLike(facts.DomainName)
                => new UserIdentity(facts.DomainName!, facts.UserName!),
            _ => null,
        };
    }

    // Strict: the identity later goes into application arguments, where FreeSWITCH expands ${...}.
    private static bool IsUser(string? value) => TextRules.IsUserName(value);
}
