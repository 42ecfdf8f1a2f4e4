using System.Globalization;
using EslSupervision.EventSocket;

namespace EslSupervision.Calls;

/// <summary>Reads the few fields the registry keeps from an event (or a <c>uuid_dump</c> turned into one).</summary>
internal static class EventFacts
{
    public static CallDirection Direction(string? value) => value switch
    {
        "inbound" => CallDirection.Inbound,
        "outbound" => CallDirection.Outbound,
        _ => CallDirection.Unknown,
    };

    /// <summary>Merges what the event reports over what is known; fields the event lacks are kept.</summary>
    public static AgentLegFacts Merge(AgentLegFacts known, EslEvent e, StringPool pool)
    {
        CallDirection direction = Direction(e["Call-Direction"]);
        var merged = new AgentLegFacts
        {
            Direction = direction == CallDirection.Unknown ? known.Direction : direction,
            DialedUser = Value(e.GetVariable("dialed_user"), pool) ?? known.DialedUser,
            DialedDomain = Value(e.GetVariable("dialed_domain"), pool) ?? known.DialedDomain,
            UserName = Value(e.GetVariable("user_name"), pool) ?? known.UserName,
            DomainName = Value(e.GetVariable("domain_name"), pool) ?? known.DomainName,
            PresenceId = Value(e.GetVariable("presence_id"), null) ?? known.PresenceId,
            ChannelName = Value(e["Channel-Name"], null) ?? known.ChannelName,
        };
        return merged == known ? known : merged;
    }

    /// <summary>The authenticated user of an inbound leg: <c>user_name</c> and <c>domain_name</c>, both present.</summary>
    public static UserIdentity? AuthenticatedUser(AgentLegFacts facts)
        => facts.Direction == CallDirection.Inbound
           && TextRules.IsUserName(facts.UserName)
           && TextRules.IsDomainLike(facts.DomainName)
            ? new UserIdentity(facts.DomainName!, facts.UserName)
            : null;

    /// <summary>
    /// The outside party's number a leg reports, for display only: the caller ID number of an inbound leg, the
    /// dialled number of an outbound leg. Null when missing, unknown direction, too long or with control characters.
    /// </summary>
    public static string? PartyNumber(CallDirection direction, string? callerIdNumber, string? destinationNumber)
        => DisplayNumber(direction switch
        {
            CallDirection.Inbound => callerIdNumber,
            CallDirection.Outbound => destinationNumber,
            _ => null,
        });

    /// <summary>A microsecond epoch header such as <c>Event-Date-Timestamp</c>; null when missing or zero.</summary>
    public static DateTimeOffset? Microseconds(string? value)
        => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long micros) && micros > 0 && micros < DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() * 1000
            ? DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000).AddTicks(micros % 1000 * 10)
            : null;

    public static SupervisionMode? Mode(string? value) => value?.ToUpperInvariant() switch
    {
        "SPY" => SupervisionMode.Spy,
        "WHISPER" => SupervisionMode.Whisper,
        "BARGE" => SupervisionMode.Barge,
        _ => null,
    };

    private static string? DisplayNumber(string? value)
        => string.IsNullOrEmpty(value) || value == "_undef_" || value.Length > 64 || value.Any(char.IsControl) ? null : value;

    private static string? Value(string? value, StringPool? pool)
    {
        if (string.IsNullOrEmpty(value) || value == "_undef_")
        {
            return null;
        }

        return pool is null ? value : pool.Intern(value);
    }
}

/// <summary>
/// Interns the small set of strings that repeat across channels (tenants, extensions), so thousands of
/// channels share one instance each. Used from the registry's single writer only. Bounded: past its
/// capacity strings are returned as they are.
/// </summary>
internal sealed class StringPool
{
    private const int Capacity = 100_000;
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);

    public string Intern(string value)
    {
        if (value.Length > 128)
        {
            return value;
        }

        lock (_strings)
        {
            if (_strings.TryGetValue(value, out string? existing))
            {
                return existing;
            }

            if (_strings.Count < Capacity)
            {
                _strings.Add(value);
            }

            return value;
        }
    }
}
