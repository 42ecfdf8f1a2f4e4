namespace EslSupervision.Calls;

/// <summary>
/// The few channel facts an <see cref="IAgentLegRule"/> may use, read from the channel's own variables
/// (never from caller ID). Values are <see langword="null"/> when the switch did not report them.
/// </summary>
/// <remarks>
/// Public because it is what a custom <see cref="IAgentLegRule"/> receives. The registry keeps these facts for every
/// channel of the switch, so they are deliberately few: the ones FreeSWITCH sets on a leg from the directory, digest
/// authentication and the dial string. A PBX that marks its agent legs otherwise can usually set
/// <c>presence_id</c> on them in its dialplan (<c>{presence_id=EXT@DOMAIN}</c> in the dial string).
/// </remarks>
public sealed record AgentLegFacts
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
/// Decides whether a leg is an agent's own leg, and whose: the leg a supervisor who asks for an agent listens to.
/// </summary>
/// <remarks>
/// <para>
/// Public so it can be replaced: <see cref="DefaultAgentLegRule"/> knows the legs FreeSWITCH creates for a
/// <c>user/EXT@DOMAIN</c> bridge and for a phone that authenticated itself. A PBX whose agent legs come about
/// otherwise (a gateway to desk phones, loopback channels, a presence id set by its dialplan) supplies its own rule:
/// register it as a singleton <c>IAgentLegRule</c> before or after <c>AddEslSupervision</c>, or pass it to
/// <see cref="CallRegistry(IAgentLegRule, TimeProvider?, Microsoft.Extensions.Logging.ILogger{CallRegistry}?)"/>.
/// </para>
/// <para>
/// The rule runs for every channel event under the registry's write lock, so it must be cheap, pure and
/// thread-safe, and must never trust caller ID (the caller chooses it). Fail closed: return <see langword="null"/>
/// when unsure. An identity whose tenant or extension has characters outside the strict set (letters, digits and a
/// few separators) is discarded, and a rule that throws makes the leg nobody's; both are logged.
/// </para>
/// <para>
/// Where the rule runs: with <see cref="DefaultAgentLegRule"/>, the controller applies each event on the socket's read
/// loop (no thread hop before a decision). With any other rule, including one that delegates to the default, the
/// controller takes its events through its own bounded buffer on another thread instead, because application code
/// must never be able to stop the connection: a rule that blocks there only makes the controller fall behind (its
/// buffer then drops events and the registry is resynced from the switch, which FreeSWITCH would not grant a stopped
/// socket). That costs one thread hop per event (decisions in the low milliseconds at the 99th percentile under load
/// instead of tens of microseconds), so a rule must still be fast, non-blocking and free of I/O.
/// </para>
/// </remarks>
public interface IAgentLegRule
{
    /// <summary>The agent whose own leg this is, or <see langword="null"/> if it is nobody's (client, carrier, ...).</summary>
    /// <param name="facts">The leg's facts.</param>
    /// <returns>The agent, or <see langword="null"/>.</returns>
    UserIdentity? Identify(AgentLegFacts facts);
}

/// <summary>
/// The rule measured on FreeSWITCH 1.10.12: an <b>outbound</b> leg with <c>dialed_user</c>/<c>dialed_domain</c> is the
/// leg of the agent the call reached; an <b>inbound</b> leg with <c>user_name</c>/<c>domain_name</c> is the leg of
/// the agent who placed the call. The calling leg also carries <c>dialed_user</c>, but it is inbound and
/// unauthenticated, so it is nobody's; caller ID is never used.
/// </summary>
/// <remarks>
/// Public so a custom <see cref="IAgentLegRule"/> can recognise its own kind of leg and hand every other leg to
/// this one (<c>DefaultAgentLegRule.Instance.Identify(facts)</c>). It is what <c>AddEslSupervision</c> registers
/// and what a <see cref="CallRegistry"/> uses unless given another rule.
/// </remarks>
public sealed class DefaultAgentLegRule : IAgentLegRule
{
    private DefaultAgentLegRule()
    {
    }

    /// <summary>The shared instance (the rule has no state).</summary>
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
