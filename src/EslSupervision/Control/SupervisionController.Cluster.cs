using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <content>
/// Supervision across switches. The origin side (the supervisor's leg is here, the agent's leg on a peer) decides
/// exactly as for a local agent, then bridges the leg to the peer with a single-use token as destination and
/// leaves the rest to the peer. The target side (a leg arrives from a peer with a token) checks the token, decides
/// again for the identity in it (fail closed), and runs the same measured start sequence and key bindings on the
/// arriving leg. Either side ending tells the other through the cluster link.
/// </content>
public sealed partial class SupervisionController
{
    private IClusterLink? _cluster;

    /// <summary>The switch this controller serves in a cluster; <see langword="null"/> with one switch.</summary>
    internal string? SwitchName => _cluster?.LocalSwitch;

    /// <summary>Makes this controller one switch of a cluster. Call before <see cref="StartAsync"/>.</summary>
    internal void JoinCluster(IClusterLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        _cluster = link;
    }

    /// <summary>The session of a leg, by the leg here or, for a leg that arrived from a peer, by the supervisor's leg there.</summary>
    internal bool TryFindSession(string legId, out SupervisionSession? session, bool runningOnly)
    {
        if (_sessions.TryGetValue(legId, out session) && (!runningOnly || session.IsRunning))
        {
            return true;
        }

        session = _sessions.Values.FirstOrDefault(s => string.Equals(s.OriginLegId, legId, StringComparison.OrdinalIgnoreCase) && (!runningOnly || s.IsRunning));
        return session is not null;
    }

    /// <summary>Whether a running supervision here answers to that leg id (its own, or the origin leg on a peer).</summary>
    internal bool Runs(string legId) => TryFindSession(legId, out _, runningOnly: true);

    /// <summary>Whether a relayed (origin-side) session waits on that leg.</summary>
    internal bool Relays(string legId) => _sessions.TryGetValue(legId, out SupervisionSession? s) && s.IsRelayed && !s.IsEnded;

    /// <summary>What started the supervision relayed from that leg here.</summary>
    internal SupervisionTrigger? RelayTrigger(string originLegId)
        => _sessions.TryGetValue(originLegId, out SupervisionSession? session) && session.IsRelayed ? session.RelayTrigger : null;

    /// <summary>The peer accepted the token of a leg relayed from here.</summary>
    internal void OnRelayArrived(string originLegId)
    {
        if (_sessions.TryGetValue(originLegId, out SupervisionSession? session) && session.IsRelayed)
        {
            session.RelayArrived = true;
        }
    }

    /// <summary>The peer ended its half of a supervision relayed from here: the supervisor's leg here goes too.</summary>
    internal void OnRelayEnded(string originLegId)
    {
        if (_sessions.TryGetValue(originLegId, out SupervisionSession? session) && session.IsRelayed)
        {
            session.Post(() => FinishAsync(session, SupervisionEndReason.AgentCallEnded, hangUp: true));
        }
    }

    /// <summary>The peer's start decision about a leg relayed from here (a start from code waits for it).</summary>
    internal void OnRelayDecided(string originLegId, SupervisionStartResult outcome)
    {
        if (_sessions.TryGetValue(originLegId, out SupervisionSession? session) && session.IsRelayed)
        {
            session.RelayOutcome.TrySetResult(outcome.ForLeg(originLegId));
        }
    }

    /// <summary>The supervisor's leg on the origin switch is gone: end the half that runs here.</summary>
    internal void OnOriginEnded(string originLegId)
    {
        foreach (SupervisionSession session in _sessions.Values.Where(s => string.Equals(s.OriginLegId, originLegId, StringComparison.OrdinalIgnoreCase)))
        {
            session.Post(() => FinishAsync(session, SupervisionEndReason.SupervisorHungUp, hangUp: true));
        }
    }

    /// <summary>A leg parked with a token-shaped destination: a supervisor's leg arriving from a peer switch.</summary>
    private void OnArrivalPark(EslEvent e, string legId)
    {
        var session = new SupervisionSession(legId, _connection, outbound: false, _time.GetUtcNow(), OnWorkFailed) { AgentSwitch = _cluster!.LocalSwitch };
        if (_sessions.TryAdd(legId, session))
        {
            e.TakeOwnership(); // Kept for the session's own thread, past this call (see StartReading).
            session.Post(() => BeginArrivalAsync(session, e, retry: false));
        }
        else
        {
            session.Close();
        }
    }

    private async Task BeginArrivalAsync(SupervisionSession session, EslEvent call, bool retry)
    {
        using var activity = SupervisionTelemetry.ActivitySource.StartActivity("esl_supervision arrival");

        // With replicas, before anything else: only the replica that leads the arrival checks, refuses or audits it.
        if (!await TryLeadArrivalAsync(session, call, retry).ConfigureAwait(false))
        {
            return;
        }

        IClusterLink cluster = _cluster!;

        // Peers reach this switch over the trunk without digest authentication; a registered phone dialling a
        // token-shaped number is not a peer, whatever it dialled.
        string? user = call.GetVariable("user_name");
        if (!string.IsNullOrEmpty(user) && user != "_undef_")
        {
            Publish(session, SupervisionAuditKind.Requested, e => e with { Trigger = SupervisionTrigger.ServiceCode });
            await RefuseAsync(session, PermissionDecision.Deny(DenialReason.InvalidToken, "Token refused: the leg is an authenticated phone, not a peer switch.")).ConfigureAwait(false);
            return;
        }

        // The shipped peer dialplan sets this after its ACL check; a token-shaped call parked by any other route
        // (an extension that parks everything, a misconfigured context) is refused before its token is even read.
        if (!string.Equals(call.GetVariable("esl_supervision_peer"), "true", StringComparison.Ordinal))
        {
            Publish(session, SupervisionAuditKind.Requested, e => e with { Trigger = SupervisionTrigger.ServiceCode });
            await RefuseAsync(session, PermissionDecision.Deny(DenialReason.InvalidToken, "Token refused: the leg did not come through the peer dialplan (esl_supervision_peer is not set).")).ConfigureAwait(false);
            return;
        }

        // With replicas the arriving leg needs its own lease before its eavesdrop starts. Taking it while the token
        // is spent puts two independent round trips side by side instead of one after the other; the fence check
        // before the start then finds the lease fresh. Whatever the token says, a refusal or the end gives it back.
        Task<LeadCheck>? arrivalLease = _coordination is null ? null : StillLeadingAsync(session);
        RelayTokenCheck check;
        try
        {
            check = await cluster.CheckArrivalAsync(call["Caller-Destination-Number"] ?? string.Empty, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (arrivalLease is not null)
            {
                Observe(arrivalLease);
            }

            throw;
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the answer is no.
            ClusterLog.TokenCheckFailed(_logger, ex);
            check = RelayTokenCheck.Refused("StoreUnavailable");
        }

        if (arrivalLease is not null)
        {
            // Only the timing matters here: the fence check before the start decides, with this lease or without.
            await arrivalLease.ConfigureAwait(false);
        }

        if (check.Claims is not { } claims)
        {
            ClusterLog.TokenRefused(_logger, check.Refusal);
            Publish(session, SupervisionAuditKind.Requested, e => e with { Trigger = SupervisionTrigger.ServiceCode });
            await RefuseAsync(session, PermissionDecision.Deny(DenialReason.InvalidToken, "Token refused: " + check.Refusal)).ConfigureAwait(false);
            return;
        }

        session.Supervisor = claims.Supervisor;
        session.Agent = claims.Agent;
        session.OriginLegId = claims.OriginLegId;
        session.SupervisorSwitch = claims.OriginSwitch;
        // The origin switch audited the request; from here this switch audits the start (or refusal) and the rest.
        cluster.RelayArrived(claims.OriginSwitch, claims.OriginLegId);

        SupervisionStartResult result;
        if (!string.Equals(cluster.SwitchOf(claims.AgentLegId), cluster.LocalSwitch, StringComparison.OrdinalIgnoreCase))
        {
            // The agent's leg is not (or no longer) here: never a second hop.
            PermissionDecision denial = PermissionDecision.Deny(DenialReason.AgentNotOnCall, "The agent's leg named in the token is not on this switch.");
            await RefuseAsync(session, denial).ConfigureAwait(false);
            result = SupervisionStartResult.Denied(claims.OriginLegId, denial);
        }
        else
        {
            // The same decision as for a local supervisor, for the identity the origin switch authenticated, bound
            // to the agent's leg in the token: another agent on that leg, another tenant, a revoked right = no.
            var attempt = new SupervisionAttempt(session.SupervisorLegId, claims.Supervisor.Extension, claims.Supervisor.Tenant, claims.Agent.Extension, claims.Mode)
            {
                TargetLegId = claims.AgentLegId,
            };
            result = await StartAuthorizedAsync(session, attempt, cluster.TriggerOf(claims.OriginSwitch, claims.OriginLegId)).ConfigureAwait(false);
        }

        cluster.RelayDecided(claims.OriginSwitch, claims.OriginLegId, result);
    }

    /// <summary>
    /// The origin side: the decision is made and the agent's leg is on <paramref name="agentSwitch"/>. Bridge the
    /// supervisor's leg there with a fresh token; the peer's controller takes it from there.
    /// </summary>
    private async Task<SupervisionStartResult> RelayAsync(SupervisionSession session, SupervisionAttempt attempt, string agentLeg, string agentSwitch, SupervisionTrigger trigger)
    {
        IClusterLink cluster = _cluster!;
        session.AgentLegId = agentLeg;
        session.AgentSwitch = agentSwitch;
        session.Mode = attempt.Mode;
        (string? dialString, string? failure) = session.Supervisor is { } supervisor && session.Agent is { } agent
            ? cluster.PrepareRelay(new RelayClaims(supervisor, cluster.LocalSwitch, session.SupervisorLegId, agentLeg, agent, attempt.Mode, agentSwitch))
            : (null, "The supervisor or agent is not known.");
        if (dialString is null)
        {
            ClusterLog.RelayNotPossible(_logger, agentSwitch, failure);
            PermissionDecision denial = PermissionDecision.Deny(DenialReason.SwitchUnavailable, "The agent's switch cannot be reached for supervision: " + failure);
            await RefuseAsync(session, denial).ConfigureAwait(false);
            return SupervisionStartResult.Denied(session.SupervisorLegId, denial);
        }

        if (session.IsEnded)
        {
            return SupervisionStartResult.Failed(session.SupervisorLegId, "The supervisor hung up while the request was decided.");
        }

        // The bridge hands the leg over: with replicas, only the lease holder may (a start from code takes the lease
        // here), and holding it is what lets this replica lead the arrival on the peer without asking anyone.
        switch (await StillLeadingAsync(session).ConfigureAwait(false))
        {
            case LeadCheck.Unknown:
                PermissionDecision unavailable = PermissionDecision.Deny(DenialReason.CoordinationUnavailable, "The replicas' coordinator is unavailable: no supervision starts without a lease.");
                await RefuseAsync(session, unavailable).ConfigureAwait(false);
                return SupervisionStartResult.Denied(session.SupervisorLegId, unavailable);
            case LeadCheck.FencedOff:
                DropFencedOff(session);
                return SupervisionStartResult.Failed(session.SupervisorLegId, "Another controller replica holds this supervisor's leg.");
        }

        session.IsRelayed = true;
        session.RelayTrigger = trigger;
        session.RelayEventUuid = Guid.NewGuid().ToString();
        IEslConnection c = session.Connection;
        string leg = session.SupervisorLegId;
        try
        {
            // When the peer hangs its side up (agent's call ended, refused, ended by API) this leg goes too.
            Task<EslExecution>[] steps =
            [
                c.ExecuteAsync(leg, "set", "hangup_after_bridge=true"),

                // A bridge that fails (peer unreachable, no route) must leave the leg up for an audible refusal.
                c.ExecuteAsync(leg, "set", "continue_on_fail=true"),
                c.ExecuteAsync(leg, "set", "esl_supervision_relay=" + agentSwitch),
                c.ExecuteAsync(leg, "bridge", dialString, new EslExecuteOptions { EventUuid = session.RelayEventUuid }),
            ];
            await Task.WhenAll(steps).ConfigureAwait(false);
            foreach (Task<EslExecution> step in steps)
            {
                Observe(step.Result.Completion);
            }
        }
        catch (Exception ex) when (ex is EslException or ArgumentException)
        {
            ControllerLog.WorkFailed(_logger, ex);
            await FinishAsync(session, SupervisionEndReason.StartFailed, hangUp: true).ConfigureAwait(false);
            return SupervisionStartResult.Failed(session.SupervisorLegId, "Moving the supervisor's leg to the agent's switch failed.");
        }

        ClusterLog.Relayed(_logger, session.Supervisor?.ToString(), agentSwitch, attempt.Mode);
        _telemetry.Relayed(attempt.Mode);
        return SupervisionStartResult.Started(session.SupervisorLegId);
    }

    /// <summary>The relaying bridge returned on the origin side.</summary>
    private async Task OnRelayBridgeEndedAsync(SupervisionSession session)
    {
        if (session.IsEnded)
        {
            return;
        }

        if (!session.RelayBridged && !session.RelayArrived)
        {
            // The peer never answered: unreachable, no route, or refused before taking the leg. Refused here, audibly.
            session.IsRelayed = false;
            session.RelayOutcome.TrySetResult(SupervisionStartResult.Failed(session.SupervisorLegId, "The agent's switch did not take the supervisor's leg."));
            await RefuseAsync(session, PermissionDecision.Deny(DenialReason.SwitchUnavailable, "The agent's switch did not take the supervisor's leg.")).ConfigureAwait(false);
            return;
        }

        await FinishAsync(session, SupervisionEndReason.AgentCallEnded, hangUp: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Adopting a leg that arrived from a peer (after a restart or reconnect): the supervisor's identity and origin leg
    /// are read back from the variables this controller set at the start (a trunk leg has no digest user). Anything
    /// unreadable or malformed leaves them unknown, and then every key press is refused (fail closed).
    /// </summary>
    private async Task RecoverArrivalAsync(SupervisionSession session, CancellationToken cancellationToken)
    {
        try
        {
            string? supervisor = await _connection.GetVariableAsync(session.SupervisorLegId, "esl_supervision_supervisor", cancellationToken).ConfigureAwait(false);
            string? origin = await _connection.GetVariableAsync(session.SupervisorLegId, "esl_supervision_origin", cancellationToken).ConfigureAwait(false);
            int at = supervisor?.IndexOf('@', StringComparison.Ordinal) ?? -1;
            if (at > 0 && TextRules.IsUserName(supervisor![..at]) && TextRules.IsDomainLike(supervisor[(at + 1)..]))
            {
                session.Supervisor = new UserIdentity(supervisor[(at + 1)..], supervisor[..at]);
            }

            int slash = origin?.IndexOf('/', StringComparison.Ordinal) ?? -1;
            if (slash > 0 && ClusterText.IsSwitchName(origin![..slash]) && EslIdentifiers.IsChannelUuid(origin[(slash + 1)..]))
            {
                session.SupervisorSwitch = origin[..slash];
                session.OriginLegId = origin[(slash + 1)..];
            }
        }
        catch (Exception ex) when (ex is EslException or ArgumentException)
        {
            ControllerLog.WorkFailed(_logger, ex);
        }
    }

    /// <summary>After either half of a cross-switch supervision ends, the other half is told.</summary>
    private void NotifyPeerOfEnd(SupervisionSession session)
    {
        if (_cluster is not { } cluster)
        {
            return;
        }

        if (session.IsRelayed && session.AgentSwitch is { } target)
        {
            session.RelayOutcome.TrySetResult(SupervisionStartResult.Failed(session.SupervisorLegId, "The supervisor's leg ended before the agent's switch decided."));
            cluster.OriginEnded(target, session.SupervisorLegId);
        }
        else if (session.OriginLegId is { } origin && session.SupervisorSwitch is { } originSwitch)
        {
            cluster.RelayEnded(originSwitch, origin);
        }
    }
}

/// <summary>Log messages of supervision across switches (ids 3100-3119).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(3100, LogLevel.Information, "Supervision by {Supervisor} handed to switch {Switch} in {Mode}.")]
    public static partial void Relayed(ILogger logger, string? supervisor, string @switch, SupervisionMode mode);

    [LoggerMessage(3101, LogLevel.Warning, "Supervision cannot be handed to switch {Switch}: {Reason}")]
    public static partial void RelayNotPossible(ILogger logger, string @switch, string? reason);

    [LoggerMessage(3102, LogLevel.Warning, "A leg arrived from a peer switch with a refused token ({Reason}).")]
    public static partial void TokenRefused(ILogger logger, string? reason);

    [LoggerMessage(3103, LogLevel.Error, "Checking an arriving relay token failed; refused.")]
    public static partial void TokenCheckFailed(ILogger logger, Exception error);
}
