using System.Runtime.CompilerServices;
using EslSupervision.Calls;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>One agent's current call, the part every supervisor of the tenant sees alike.</summary>
internal sealed record CallRow(string LegId, UserIdentity Agent, IReadOnlyList<string> RingGroups, string? ClientNumber, string Direction, string State, DateTimeOffset Since, bool IsBridged);

/// <summary>A tenant's current calls as of one <see cref="TenantCallIndex.Version"/> of it and one settings instance.</summary>
internal sealed record TenantCalls(long Version, SupervisionOptions Options, IReadOnlyList<CallRow> Rows);

/// <summary>
/// Builds a tenant's rows from its indexed legs, at most once per change of the tenant (or settings reload): every
/// stream and request of that tenant gets the same immutable rows until the next change.
/// </summary>
internal sealed class TenantCallsCache
{
    private readonly ICallRegistry _registry;
    private readonly TenantCallIndex _index;

    public TenantCallsCache(ICallRegistry registry, TenantCallIndex index)
    {
        _registry = registry;
        _index = index;
    }

    public TenantCalls Get(string tenant, SupervisionOptions options)
    {
        TenantCallIndex.TenantEntry entry = _index.Entry(tenant);
        if (Fresh(entry, options) is { } cached)
        {
            return cached;
        }

        lock (entry)
        {
            if (Fresh(entry, options) is { } built)
            {
                return built;
            }

            // Read the version first: a change during the build leaves this result one version behind, so the next
            // reader builds again; it can never mark a stale build as current.
            long version = entry.Version;
            var calls = new TenantCalls(version, options, Build(tenant, options));
            entry.Cached = calls;
            return calls;
        }
    }

    private static TenantCalls? Fresh(TenantCallIndex.TenantEntry entry, SupervisionOptions options)
        => entry.Cached is { } cached && cached.Version == entry.Version && ReferenceEquals(cached.Options, options) ? cached : null;

    private List<CallRow> Build(string tenant, SupervisionOptions options)
    {
        var rows = new List<CallRow>();
        foreach (string id in _index.Candidates(tenant))
        {
            CallLeg? leg = _registry.GetLeg(id);
            if (leg is null)
            {
                _index.Forget(tenant, id);
                continue;
            }

            // Tenant isolation is decided here, on the leg as it is now, not on what the index remembers.
            if (leg.Agent is not { } agent || !string.Equals(agent.Tenant, tenant, StringComparison.OrdinalIgnoreCase)
                || leg.State is CallLegState.Ended or CallLegState.Parked || leg.IsSupervising)
            {
                continue;
            }

            string? clientNumber = (leg.BridgedTo is { } partner ? _registry.GetLeg(partner)?.PartyNumber : null) ?? leg.PartyNumber;
            rows.Add(new CallRow(
                leg.UniqueId,
                agent,
                RingGroupDirectory.Of(options, agent),
                clientNumber,
                leg.Direction.ToString(),
                leg.State.ToString(),
                leg.BridgedAt ?? leg.AnsweredAt ?? leg.CreatedAt,
                leg.IsBridged));
        }

        rows.Sort((a, b) => string.CompareOrdinal(a.Agent.Extension, b.Agent.Extension));
        return rows;
    }
}

/// <summary>The ring groups of each agent, computed once per settings instance instead of scanning every group per row.</summary>
internal static class RingGroupDirectory
{
    private static readonly ConditionalWeakTable<SupervisionOptions, Dictionary<string, string[]>> Directories = new();

    public static IReadOnlyList<string> Of(SupervisionOptions options, UserIdentity agent)
        => Directories.GetValue(options, Build).TryGetValue(Key(agent.Tenant, agent.Extension), out string[]? groups) ? groups : [];

    private static Dictionary<string, string[]> Build(SupervisionOptions options)
    {
        var lists = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (RingGroupOptions? group in options.RingGroups ?? [])
        {
            if (group?.Members is null || string.IsNullOrEmpty(group.Tenant))
            {
                continue;
            }

            foreach (RingGroupMemberOptions? member in group.Members)
            {
                if (member?.Extension is { Length: > 0 } extension)
                {
                    string key = Key(group.Tenant, extension);
                    List<string> names = lists.TryGetValue(key, out List<string>? l) ? l : lists[key] = [];
                    if (!names.Contains(group.Name, StringComparer.Ordinal))
                    {
                        names.Add(group.Name);
                    }
                }
            }
        }

        return lists.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
    }

    private static string Key(string tenant, string extension) => extension + "@" + tenant.ToLowerInvariant();
}
