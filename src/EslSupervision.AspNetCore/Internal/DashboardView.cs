using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.Permissions;
using Microsoft.Extensions.Options;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// Builds what one supervisor may see: the calls of their own tenant only (agent legs of that tenant on a live call),
/// the supervisions running on them, which modes the permission provider allows them per agent, and the tenant's audit.
/// </summary>
internal sealed class DashboardView
{
    private static readonly SupervisionMode[] Modes = [SupervisionMode.Spy, SupervisionMode.Whisper, SupervisionMode.Barge];
    private readonly ICallRegistry _registry;
    private readonly SupervisionController _controller;
    private readonly ISupervisionPermissionProvider _permissions;
    private readonly IOptionsMonitor<SupervisionOptions> _supervision;
    private readonly AuditRing _audit;
    private readonly ClientNumbers _numbers;
    private readonly EslSupervisionDashboardOptions _options;
    private readonly TimeProvider _time;

    public DashboardView(ICallRegistry registry, SupervisionController controller, ISupervisionPermissionProvider permissions, IOptionsMonitor<SupervisionOptions> supervision, AuditRing audit, ClientNumbers numbers, IOptions<EslSupervisionDashboardOptions> options, TimeProvider time)
    {
        _registry = registry;
        _controller = controller;
        _permissions = permissions;
        _supervision = supervision;
        _audit = audit;
        _numbers = numbers;
        _options = options.Value;
        _time = time;
    }

    public async Task<DashboardStateDto> BuildAsync(UserIdentity me, CancellationToken cancellationToken)
    {
        CallRegistrySnapshot snapshot = _registry.GetSnapshot();
        SupervisionOptions options = _supervision.CurrentValue;
        bool enabled = options.IsTenantEnabled(me.Tenant);
        IReadOnlyList<SupervisionInfo> running = _controller.ActiveSupervisions;
        var calls = new List<CurrentCallDto>();
        foreach (CallLeg leg in snapshot.ForTenant(me.Tenant))
        {
            if (leg.Agent is not { } agent || !SameTenant(agent.Tenant, me.Tenant) || leg.State is CallLegState.Ended or CallLegState.Parked || leg.IsSupervising)
            {
                continue;
            }

            string? partnerNumber = leg.BridgedTo is { } partner ? _numbers.Get(partner) : null;
            var supervisions = running
                .Where(s => string.Equals(s.AgentLegId, leg.UniqueId, StringComparison.OrdinalIgnoreCase))
                .Select(s => new RunningSupervisionDto(s.SupervisorLegId, s.Supervisor?.Extension, s.Mode?.ToString() ?? "Unknown", s.Since, s.Supervisor == me))
                .ToList();
            calls.Add(new CurrentCallDto(
                leg.UniqueId,
                agent.Extension,
                RingGroupsOf(options, agent),
                partnerNumber ?? _numbers.Get(leg.UniqueId),
                leg.Direction.ToString(),
                leg.State.ToString(),
                leg.BridgedAt ?? leg.AnsweredAt ?? leg.CreatedAt,
                enabled && leg.IsBridged ? await AllowedModesAsync(me, agent, cancellationToken).ConfigureAwait(false) : [],
                supervisions));
        }

        calls.Sort((a, b) => string.CompareOrdinal(a.Agent, b.Agent));
        return new DashboardStateDto(me.Tenant, me.Extension, _time.GetUtcNow(), calls, RecentAudit(me.Tenant, _options.AuditPageSize));
    }

    public IReadOnlyList<AuditDto> RecentAudit(string tenant, int take)
        => _audit.Recent(tenant, Math.Clamp(take, 1, _options.AuditPageSize)).Select(ToDto).ToList();

    private async Task<IReadOnlyList<string>> AllowedModesAsync(UserIdentity me, UserIdentity agent, CancellationToken cancellationToken)
    {
        if (string.Equals(me.Extension, agent.Extension, StringComparison.Ordinal))
        {
            return [];
        }

        var allowed = new List<string>(3);
        foreach (SupervisionMode mode in Modes)
        {
            try
            {
                // Only for showing buttons: a start is decided again by the controller's authorizer.
                PermissionDecision decision = await _permissions.AuthorizeAsync(new SupervisionRequest(me.Tenant, me.Extension, agent.Extension, mode), cancellationToken).ConfigureAwait(false);
                if (decision?.IsAllowed == true)
                {
                    allowed.Add(mode.ToString());
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Fail closed: no button.
            }
        }

        return allowed;
    }

    private static List<string> RingGroupsOf(SupervisionOptions options, UserIdentity agent)
        => options.RingGroups
            .Where(g => SameTenant(g.Tenant, agent.Tenant) && g.Members.Any(m => m.Extension == agent.Extension))
            .Select(g => g.Name)
            .ToList();

    private static AuditDto ToDto(SupervisionAuditEvent e)
        => new(e.At, e.Kind.ToString(), e.Supervisor?.Extension, e.Agent?.Extension, e.Mode?.ToString(), e.PreviousMode?.ToString(), e.Trigger?.ToString(), e.DenialReason?.ToString(), e.EndReason?.ToString(), e.Detail);

    private static bool SameTenant(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
