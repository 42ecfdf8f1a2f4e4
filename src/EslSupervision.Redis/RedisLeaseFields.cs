using System.Globalization;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using StackExchange.Redis;

namespace EslSupervision.Redis;

/// <summary>How a lease and its details are written to and read from a Redis hash.</summary>
internal static class RedisLeaseFields
{
    public static void AddDetails(List<RedisValue> args, SupervisionLeaseDetails details)
    {
        if (details.Supervisor is { } supervisor)
        {
            Add(args, "st", supervisor.Tenant);
            Add(args, "se", supervisor.Extension);
        }

        if (details.SupervisorLegId is { } supervisorLeg)
        {
            Add(args, "sl", supervisorLeg);
        }

        if (details.SupervisorSwitch is { } supervisorSwitch)
        {
            Add(args, "ss", supervisorSwitch);
        }

        if (details.AgentLegId is { } agentLeg)
        {
            Add(args, "al", agentLeg);
        }

        if (details.AgentSwitch is { } agentSwitch)
        {
            Add(args, "as", agentSwitch);
        }

        if (details.Agent is { } agent)
        {
            Add(args, "at", agent.Tenant);
            Add(args, "ae", agent.Extension);
        }

        if (details.Mode is { } mode)
        {
            Add(args, "mode", ((int)mode).ToString(CultureInfo.InvariantCulture));
        }

        if (details.Since is { } since)
        {
            Add(args, "since", since.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Reads a lease hash given as alternating field and value; <see langword="null"/> when a required field is missing or malformed.</summary>
    public static SupervisionLeaseRecord? Read(SupervisionLeaseKey key, ReadOnlySpan<RedisResult> pairs)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < pairs.Length; i += 2)
        {
            fields[(string)pairs[i]!] = (string)pairs[i + 1]!;
        }

        if (!fields.TryGetValue("owner", out string? owner) || !CoordinationArguments.IsOwner(owner)
            || !TryLong(fields, "fence", out long fence) || !TryLong(fields, "exp", out long exp))
        {
            return null;
        }

        var details = new SupervisionLeaseDetails
        {
            Supervisor = Identity(fields, "st", "se"),
            SupervisorLegId = fields.GetValueOrDefault("sl"),
            SupervisorSwitch = fields.GetValueOrDefault("ss"),
            AgentLegId = fields.GetValueOrDefault("al"),
            AgentSwitch = fields.GetValueOrDefault("as"),
            Agent = Identity(fields, "at", "ae"),
            Mode = TryLong(fields, "mode", out long mode) && Enum.IsDefined((SupervisionMode)mode) ? (SupervisionMode)mode : null,
            Since = TryLong(fields, "since", out long since) ? DateTimeOffset.FromUnixTimeMilliseconds(since) : null,
        };
        return new SupervisionLeaseRecord(new SupervisionLease(key, owner, fence, DateTimeOffset.FromUnixTimeMilliseconds(exp)), details);
    }

    public static long UnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static UserIdentity? Identity(Dictionary<string, string> fields, string tenant, string extension)
        => fields.TryGetValue(tenant, out string? t) && fields.TryGetValue(extension, out string? e) ? new UserIdentity(t, e) : null;

    private static bool TryLong(Dictionary<string, string> fields, string name, out long value)
    {
        value = 0;
        return fields.TryGetValue(name, out string? text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static void Add(List<RedisValue> args, string field, string value)
    {
        args.Add(field);
        args.Add(value);
    }
}
