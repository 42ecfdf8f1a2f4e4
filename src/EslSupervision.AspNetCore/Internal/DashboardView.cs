using EslSupervision.Calls;
using EslSupervision.Control;
using Microsoft.Extensions.Options;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// Builds what one supervisor may see: the calls of their own tenant only (shared rows of that tenant, rebuilt once
/// per change of it), the supervisions running on them, which modes the permission provider allows them per agent
/// (cached answers), and the tenant's audit.
/// </summary>
internal sealed class DashboardView
{
    private readonly TenantCallsCache _calls;
    private readonly ISupervisionOperations _operations;
    private readonly PermissionCache _permissions;
    private readonly IOptionsMonitor<SupervisionOptions> _supervision;
    private readonly AuditRing _audit;
    private readonly EslSupervisionDashboardOptions _options;
    private readonly TimeProvider _time;

    public DashboardView(TenantCallsCache calls, ISupervisionOperations operations, PermissionCache permissions, IOptionsMonitor<SupervisionOptions> supervision, AuditRing audit, IOptions<EslSupervisionDashboardOptions> options, TimeProvider time)
    {
        _calls = calls;
        _operations = operations;
        _permissions = permissions;
        _supervision = supervision;
        _audit = audit;
        _options = options.Value;
        _time = time;
    }

    public async Task<DashboardStateDto> BuildAsync(UserIdentity me, CancellationToken cancellationToken)
    {
        SupervisionOptions options = _supervision.CurrentValue;
        bool enabled = options.IsTenantEnabled(me.Tenant);
        TenantCalls tenantCalls = _calls.Get(me.Tenant, options);
        (IReadOnlyList<SupervisionInfo> all, bool partial) = await RunningSupervisions.ReadAsync(_operations, cancellationToken).ConfigureAwait(false);
        Dictionary<string, List<RunningSupervisionDto>> running = RunningOn(tenantCalls, me, all);
        var calls = new List<CurrentCallDto>(tenantCalls.Rows.Count);
        foreach (CallRow row in tenantCalls.Rows)
        {
            calls.Add(new CurrentCallDto(
                row.LegId,
                row.Agent.Extension,
                row.RingGroups,
                row.ClientNumber,
                row.Direction,
                row.State,
                row.Since,
                enabled && row.IsBridged ? await _permissions.AllowedModesAsync(me, row.Agent, cancellationToken).ConfigureAwait(false) : [],
                running.TryGetValue(row.LegId, out List<RunningSupervisionDto>? list) ? list : []));
        }

        return new DashboardStateDto(me.Tenant, me.Extension, _time.GetUtcNow(), calls, RecentAudit(me.Tenant, _options.AuditPageSize), partial);
    }

    public IReadOnlyList<AuditDto> RecentAudit(string tenant, int take)
        => _audit.Recent(tenant, Math.Clamp(take, 1, _options.AuditPageSize)).Select(ToDto).ToList();

    /// <summary>The running supervisions on the tenant's rows only (by agent leg), whoever (and whichever replica) runs them.</summary>
    private static Dictionary<string, List<RunningSupervisionDto>> RunningOn(TenantCalls tenantCalls, UserIdentity me, IReadOnlyList<SupervisionInfo> all)
    {
        var result = new Dictionary<string, List<RunningSupervisionDto>>(StringComparer.OrdinalIgnoreCase);
        if (all.Count == 0)
        {
            return result;
        }

        var legs = new HashSet<string>(tenantCalls.Rows.Select(r => r.LegId), StringComparer.OrdinalIgnoreCase);
        foreach (SupervisionInfo s in all)
        {
            if (s.AgentLegId is { } agentLeg && legs.Contains(agentLeg))
            {
                List<RunningSupervisionDto> list = result.TryGetValue(agentLeg, out List<RunningSupervisionDto>? l) ? l : result[agentLeg] = [];
                list.Add(new RunningSupervisionDto(s.SupervisorLegId, s.Supervisor?.Extension, s.Mode?.ToString() ?? "Unknown", s.Since, s.Supervisor == me, s.Replica));
            }
        }

        return result;
    }

    private static AuditDto ToDto(SupervisionAuditEvent e)
        => new(e.At, e.Kind.ToString(), e.Supervisor?.Extension, e.Agent?.Extension, e.Mode?.ToString(), e.PreviousMode?.ToString(), e.Trigger?.ToString(), e.DenialReason?.ToString(), e.EndReason?.ToString(), e.Detail);
}
