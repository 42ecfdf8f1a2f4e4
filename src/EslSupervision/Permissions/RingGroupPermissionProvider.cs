using System.Reactive;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using Microsoft.Extensions.Options;

namespace EslSupervision.Permissions;

/// <summary>
/// The default permission model: a user may supervise an agent when some ring group of the same tenant lists
/// the user as a member with <see cref="RingGroupMemberOptions.Supervisor"/> set and the agent as a member,
/// and the user's <see cref="RingGroupMemberOptions.AllowedModes"/> contain the mode. Reads the current
/// options on every decision, so configuration reloads apply to the next decision, and signals every applied
/// reload through <see cref="PermissionsChanged"/> so running supervisions are re-checked. A reload that fails
/// validation is not applied: the last valid ring groups stay in force.
/// </summary>
/// <remarks>Public because it is the default provider, and a provider of your own may fall back to it.</remarks>
public sealed class RingGroupPermissionProvider : ISupervisionPermissionProvider, ISupervisionPermissionChangeSource
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SupervisionOptions, TenantGroups> TenantIndexes = new();
    private readonly SupervisionSettings _options;

    /// <summary>Creates the provider.</summary>
    /// <param name="options">The supervision options (ring groups).</param>
    public RingGroupPermissionProvider(IOptionsMonitor<SupervisionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = SupervisionSettings.For(options, report: false);
        PermissionsChanged = Observable.Create<Unit>(observer =>
            _options.OnChange((_, _) => observer.OnNext(Unit.Default)) ?? Disposable.Empty);
    }

    /// <inheritdoc/>
    public IObservable<Unit> PermissionsChanged { get; }

    /// <inheritdoc/>
    public ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(Decide(_options.CurrentValue, request));
    }

    /// <summary>
    /// The ring groups of one tenant, indexed once per settings instance (a dashboard asks for every agent of every
    /// open page: scanning every tenant's groups per question made that cost grow with the whole PBX). Rebuilt when
    /// the list is replaced or its length changes; each group is still checked as it is now.
    /// </summary>
    private static RingGroupOptions[] GroupsOf(SupervisionOptions options, string tenant)
    {
        List<RingGroupOptions>? groups = options.RingGroups;
        if (groups is null || groups.Count == 0)
        {
            return [];
        }

        TenantGroups index = TenantIndexes.GetValue(options, static o => TenantGroups.Build(o.RingGroups));
        if (!ReferenceEquals(index.Source, groups) || index.Count != groups.Count)
        {
            index = TenantGroups.Build(groups);
            TenantIndexes.AddOrUpdate(options, index);
        }

        return index.ByTenant.TryGetValue(tenant, out RingGroupOptions[]? found) ? found : [];
    }

    private static PermissionDecision Decide(SupervisionOptions options, SupervisionRequest request)
    {
        bool supervisesSomeGroup = false;
        bool supervisesAgentGroup = false;
        foreach (RingGroupOptions group in GroupsOf(options, request.Tenant))
        {
            if (group.Members is null || !string.Equals(group.Tenant, request.Tenant, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            RingGroupMemberOptions? supervisor = null;
            bool agentIsMember = false;
            foreach (RingGroupMemberOptions? member in group.Members)
            {
                if (member is null)
                {
                    continue;
                }

                if (member.Supervisor && string.Equals(member.Extension, request.SupervisorExtension, StringComparison.Ordinal))
                {
                    supervisor = member;
                }

                if (string.Equals(member.Extension, request.AgentExtension, StringComparison.Ordinal))
                {
                    agentIsMember = true;
                }
            }

            if (supervisor is null)
            {
                continue;
            }

            supervisesSomeGroup = true;
            if (!agentIsMember)
            {
                continue;
            }

            supervisesAgentGroup = true;
            if (supervisor.Allows(request.Mode))
            {
                return PermissionDecision.Allow();
            }
        }

        if (supervisesAgentGroup)
        {
            return PermissionDecision.Deny(DenialReason.ModeNotAllowed, $"No ring group shared with the agent allows the supervisor to use {request.Mode}.");
        }

        return supervisesSomeGroup
            ? PermissionDecision.Deny(DenialReason.NotASupervisor, "The user supervises no ring group the agent belongs to.")
            : PermissionDecision.Deny(DenialReason.NotASupervisor, "The user is not a supervisor of any ring group in the tenant.");
    }

    private sealed record TenantGroups(List<RingGroupOptions>? Source, int Count, Dictionary<string, RingGroupOptions[]> ByTenant)
    {
        public static TenantGroups Build(List<RingGroupOptions>? groups)
        {
            var byTenant = (groups ?? [])
                .Where(g => g?.Tenant is not null)
                .GroupBy(g => g.Tenant, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);
            return new TenantGroups(groups, groups?.Count ?? 0, byTenant);
        }
    }
}
