using EslSupervision.EventSocket;

namespace EslSupervision.Tests.Calls;

/// <summary>Hand-built channel events for scenarios the captures do not cover.</summary>
internal static class Events
{
    public static EslEvent Make(string name, string uuid, params (string Name, string Value)[] headers)
        => EslEvent.Create(new[] { ("Event-Name", name), ("Unique-ID", uuid) }.Concat(headers).Select(h => KeyValuePair.Create(h.Item1, h.Item2)));

    /// <summary>A client's inbound leg, unauthenticated (it carries dialed_user of the agent, like the real one).</summary>
    public static EslEvent Client(string uuid, string eventName = "CHANNEL_CREATE", string dialedUser = "1004")
        => Make(eventName, uuid, ("Call-Direction", "inbound"), ("variable_dialed_user", dialedUser), ("variable_dialed_domain", "pbx.lab"), ("Caller-Caller-ID-Number", "1004"));

    /// <summary>The leg of an agent the call reached (bridge user/EXT@DOMAIN).</summary>
    public static EslEvent AgentReached(string uuid, string extension, string eventName = "CHANNEL_CREATE", string domain = "pbx.lab")
        => Make(eventName, uuid, ("Call-Direction", "outbound"), ("variable_dialed_user", extension), ("variable_dialed_domain", domain));

    /// <summary>An authenticated user's own inbound leg (an agent placing a call, or a supervisor dialling a code).</summary>
    public static EslEvent UserLeg(string uuid, string extension, string eventName = "CHANNEL_CREATE", string domain = "pbx.lab")
        => Make(eventName, uuid, ("Call-Direction", "inbound"), ("variable_user_name", extension), ("variable_domain_name", domain));

    public static EslEvent Bridge(string a, string b) => Make("CHANNEL_BRIDGE", a, ("Bridge-A-Unique-ID", a), ("Bridge-B-Unique-ID", b));

    public static EslEvent Unbridge(string a, string b) => Make("CHANNEL_UNBRIDGE", a, ("Bridge-A-Unique-ID", a), ("Bridge-B-Unique-ID", b));

    public static EslEvent Eavesdrop(string supervisorLeg, string target, bool complete = false)
        => Make(complete ? "CHANNEL_EXECUTE_COMPLETE" : "CHANNEL_EXECUTE", supervisorLeg, ("Application", "eavesdrop"), ("Application-Data", target));
}
