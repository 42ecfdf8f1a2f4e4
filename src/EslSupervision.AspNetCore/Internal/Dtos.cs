namespace EslSupervision.AspNetCore.Internal;

/// <summary>One agent's current call as the page shows it. Strings for enums keep the JSON stable and readable.</summary>
internal sealed record CurrentCallDto(
    string AgentLegId,
    string Agent,
    IReadOnlyList<string> RingGroups,
    string? ClientNumber,
    string Direction,
    string State,
    DateTimeOffset Since,
    IReadOnlyList<string> AllowedModes,
    IReadOnlyList<RunningSupervisionDto> Supervisions);

/// <summary>A supervision running on a call; <c>Replica</c> names the controller replica that runs it (with replicas).</summary>
internal sealed record RunningSupervisionDto(string SupervisorLegId, string? Supervisor, string Mode, DateTimeOffset Since, bool Mine, string? Replica = null);

/// <summary>An audit entry of the caller's tenant (identities only, never phone numbers).</summary>
internal sealed record AuditDto(DateTimeOffset At, string Kind, string? Supervisor, string? Agent, string? Mode, string? PreviousMode, string? Trigger, string? DenialReason, string? EndReason, string? Detail);

/// <summary>
/// What GET calls and every stream update carry. <c>SupervisionsPartial</c>: the replicas' coordinator could not
/// answer, so the running supervisions shown are only those of the replica serving the page.
/// </summary>
internal sealed record DashboardStateDto(string Tenant, string Supervisor, DateTimeOffset At, IReadOnlyList<CurrentCallDto> Calls, IReadOnlyList<AuditDto> Audit, bool SupervisionsPartial = false);

/// <summary>The body of POST supervisions.</summary>
internal sealed record StartBody(string? AgentExtension, string? Mode);

/// <summary>The body of POST supervisions/{leg}/mode.</summary>
internal sealed record ModeBody(string? Mode);

/// <summary>The result of a start.</summary>
internal sealed record StartResponse(string Outcome, string? SupervisorLegId, string? Detail);

/// <summary>The antiforgery token for POSTs.</summary>
internal sealed record AntiforgeryDto(string? RequestToken, string HeaderName);
