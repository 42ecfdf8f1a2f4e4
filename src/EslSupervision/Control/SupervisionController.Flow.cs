using EslSupervision.Calls;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <content>
/// The state machine: what the controller does with each event (start, switch, refuse, end). The FreeSWITCH
/// commands behind each step are in <c>SupervisionController.Eavesdrop.cs</c>; taking over supervisions after a
/// reconnect is in <c>SupervisionController.Adoption.cs</c>.
/// </content>
public sealed partial class SupervisionController
{
    private static readonly SupervisionMode[] AllModes = [SupervisionMode.Spy, SupervisionMode.Whisper, SupervisionMode.Barge];
    private (SupervisionOptions Options, ServiceCodeParser Parser)? _parser;

    private void OnEvent(EslEvent e)
    {
        try
        {
            _registry.Apply(e);
            switch (e.EventName)
            {
                case "CHANNEL_PARK":
                    OnPark(e);
                    break;
                case "CHANNEL_APPLICATION":
                case "CHANNEL_BRIDGE":
                case "CHANNEL_EXECUTE_COMPLETE":
                case "CHANNEL_HANGUP":
                case "CHANNEL_HANGUP_COMPLETE":
                    if (e.UniqueId is { } id && _sessions.TryGetValue(id, out SupervisionSession? session) && !session.IsOutbound)
                    {
                        RouteSessionEvent(session, e);
                    }

                    break;
            }
        }
        catch (Exception ex)
        {
            // One bad event must not end the controller's subscription.
            ControllerLog.WorkFailed(_logger, ex);
        }
    }

    private void OnPark(EslEvent e)
    {
        string? legId = e.UniqueId;
        string? destination = e["Caller-Destination-Number"];
        if (_cluster is { } cluster && cluster.IsRelayDestination(destination) && EslIdentifiers.IsChannelUuid(legId))
        {
            OnArrivalPark(e, legId!);
            return;
        }

        if (!IsServiceCodeCall(destination) || !EslIdentifiers.IsChannelUuid(legId))
        {
            return; // Other parked calls (call parking, queues) are not ours.
        }

        var session = new SupervisionSession(legId!, _connection, outbound: false, _time.GetUtcNow(), OnWorkFailed) { SupervisorSwitch = _cluster?.LocalSwitch };
        if (_sessions.TryAdd(legId!, session))
        {
            e.TakeOwnership(); // Kept for the session's own thread, past this call (see StartReading).
            session.Post(() => BeginAsync(session, e));
        }
        else
        {
            session.Close();
        }
    }

    private void RouteSessionEvent(SupervisionSession session, EslEvent e)
    {
        if (!string.Equals(e.UniqueId, session.SupervisorLegId, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        switch (e.EventName)
        {
            case "CHANNEL_APPLICATION" when e[DigitHeader] is { } digit:
                session.Post(() => OnDigitAsync(session, digit));
                break;
            case "CHANNEL_BRIDGE" when session.IsRelayed:
                session.RelayBridged = true;
                break;
            case "CHANNEL_EXECUTE_COMPLETE" when session.IsRelayed && string.Equals(e["Application"], "bridge", StringComparison.Ordinal)
                && string.Equals(session.RelayEventUuid, e["Application-UUID"], StringComparison.OrdinalIgnoreCase):
                session.Post(() => OnRelayBridgeEndedAsync(session));
                break;
            case "CHANNEL_EXECUTE_COMPLETE" when string.Equals(e["Application"], "eavesdrop", StringComparison.Ordinal):
                if (session.EavesdropEventUuid is null || string.Equals(session.EavesdropEventUuid, e["Application-UUID"], StringComparison.OrdinalIgnoreCase))
                {
                    session.Post(() => OnEavesdropEndedAsync(session));
                }

                break;
            case "CHANNEL_HANGUP":
            case "CHANNEL_HANGUP_COMPLETE":
                session.Post(() => FinishAsync(session, SupervisionEndReason.SupervisorHungUp, hangUp: false));
                break;
        }
    }

    private bool IsServiceCodeCall(string? destination)
    {
        if (string.IsNullOrEmpty(destination))
        {
            return false;
        }

        SupervisionOptions options = _options.CurrentValue;
        return AllModes.Any(m => destination.StartsWith(options.GetPrefix(m), StringComparison.Ordinal));
    }

    private ServiceCodeParser Parser()
    {
        SupervisionOptions options = _options.CurrentValue;
        if (_parser is { } cached && ReferenceEquals(cached.Options, options))
        {
            return cached.Parser;
        }

        var parser = new ServiceCodeParser(options);
        _parser = (options, parser);
        return parser;
    }

    private async Task BeginAsync(SupervisionSession session, EslEvent call)
    {
        using var activity = SupervisionTelemetry.ActivitySource.StartActivity("esl_supervision start");
        if (!await TryLeadAsync(session).ConfigureAwait(false))
        {
            return; // Another replica acts on this call, or there is no lease to be had (refused audibly).
        }

        (UserIdentity? identity, string? user, string? domain, PermissionDecision? identityDenial) = SupervisorIdentity(call);
        session.Supervisor = identity;
        ServiceCodeParseResult code = Parser().Parse(call["Caller-Destination-Number"]);
        if (code.IsSuccess && identity is not null)
        {
            session.Agent = new UserIdentity(identity.Tenant, code.AgentExtension!);
        }

        Publish(session, SupervisionAuditKind.Requested, e => e with { Mode = code.IsSuccess ? code.Mode : null, Trigger = SupervisionTrigger.ServiceCode });
        if (identityDenial is not null)
        {
            await RefuseAsync(session, identityDenial).ConfigureAwait(false);
            return;
        }

        if (!code.IsSuccess)
        {
            await RefuseAsync(session, PermissionDecision.Deny(DenialReason.InvalidServiceCode, code.Reason)).ConfigureAwait(false);
            return;
        }

        var attempt = new SupervisionAttempt(session.SupervisorLegId, user, domain, code.AgentExtension!, code.Mode);
        await StartAuthorizedAsync(session, attempt, SupervisionTrigger.ServiceCode).ConfigureAwait(false);
    }

    /// <summary>
    /// The decision and the measured start sequence on a supervisor's leg whose identity is already settled (from
    /// the leg's digest authentication, or from the caller of <see cref="StartSupervisionAsync"/>). Shared by every
    /// way a supervision starts, so the guards, provider call, key bindings and audit are the same.
    /// </summary>
    private async Task<SupervisionStartResult> StartAuthorizedAsync(SupervisionSession session, SupervisionAttempt attempt, SupervisionTrigger trigger)
    {
        SupervisionAuthorization authorization = await _authorizer.AuthorizeAsync(attempt, _stop.Token).ConfigureAwait(false);
        if (!authorization.IsAllowed || !EslIdentifiers.IsChannelUuid(authorization.AgentLeg?.UniqueId))
        {
            PermissionDecision denial = authorization.IsAllowed ? PermissionDecision.Deny(DenialReason.UnknownAgent, "The agent's leg has no usable id.") : authorization.Decision;
            await RefuseAsync(session, denial).ConfigureAwait(false);
            return SupervisionStartResult.Denied(session.SupervisorLegId, denial);
        }

        string agentLeg = authorization.AgentLeg!.UniqueId;
        session.Agent = authorization.AgentLeg.Agent ?? session.Agent;
        if (!TextRules.IsSafeIdentity(session.Agent))
        {
            // A custom IAgentLegRule may produce anything; only strict identities go near an application argument.
            PermissionDecision denial = PermissionDecision.Deny(DenialReason.UnknownAgent, "The agent's identity has characters that are not allowed.");
            await RefuseAsync(session, denial).ConfigureAwait(false);
            return SupervisionStartResult.Denied(session.SupervisorLegId, denial);
        }

        if (_cluster is { } cluster)
        {
            // The cluster's registry found the agent wherever the call is; a leg elsewhere is moved there.
            string? agentSwitch = cluster.SwitchOf(agentLeg);
            if (agentSwitch is not null && !string.Equals(agentSwitch, cluster.LocalSwitch, StringComparison.OrdinalIgnoreCase) && session.OriginLegId is null)
            {
                return await RelayAsync(session, attempt, agentLeg, agentSwitch, trigger).ConfigureAwait(false);
            }

            session.AgentSwitch = agentSwitch ?? cluster.LocalSwitch;
        }

        // Bind only the keys of modes this supervisor may use; every press is checked again anyway.
        var digits = new List<string>();
        foreach (SupervisionMode mode in AllModes)
        {
            if (mode == attempt.Mode || (await _authorizer.AuthorizeAsync(attempt with { Mode = mode, TargetLegId = agentLeg }, _stop.Token).ConfigureAwait(false)).IsAllowed)
            {
                digits.Add(_options.CurrentValue.GetDigit(mode));
            }
        }

        if (session.IsEnded)
        {
            return SupervisionStartResult.Failed(session.SupervisorLegId, "The supervisor hung up while the request was decided.");
        }

        LeadCheck lead = await StillLeadingAsync(session).ConfigureAwait(false);
        if (lead == LeadCheck.Unknown)
        {
            PermissionDecision unavailable = PermissionDecision.Deny(DenialReason.CoordinationUnavailable, "The replicas' coordinator is unavailable: no supervision starts without a lease.");
            await RefuseAsync(session, unavailable).ConfigureAwait(false);
            return SupervisionStartResult.Denied(session.SupervisorLegId, unavailable);
        }

        if (lead == LeadCheck.FencedOff)
        {
            // Another replica holds this leg now (this one paused past its lease); it must not act.
            DropFencedOff(session);
            return SupervisionStartResult.Failed(session.SupervisorLegId, "Another controller replica holds this supervisor's leg.");
        }

        session.AgentLegId = agentLeg;
        session.Mode = attempt.Mode;
        session.EavesdropEventUuid = Guid.NewGuid().ToString();
        try
        {
            await StartEavesdropAsync(session, digits).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is EslException or ArgumentException)
        {
            ControllerLog.WorkFailed(_logger, ex);
            await FinishAsync(session, SupervisionEndReason.StartFailed, hangUp: true).ConfigureAwait(false);
            return SupervisionStartResult.Failed(session.SupervisorLegId, "Setting up eavesdrop failed.");
        }

        session.IsRunning = true;
        session.Since = _time.GetUtcNow();
        _telemetry.Started(session.Mode, adopted: false);
        ControllerLog.Started(_logger, session.Supervisor?.ToString(), session.Agent?.ToString(), session.Mode);
        Publish(session, SupervisionAuditKind.Started, e => e with { Mode = session.Mode, Trigger = trigger });
        return SupervisionStartResult.Started(session.SupervisorLegId);
    }

    private async Task OnDigitAsync(SupervisionSession session, string digit)
    {
        if (!session.IsRunning || session.IsEnded)
        {
            ControllerLog.DigitIgnored(_logger, digit, "no running supervision");
            return;
        }

        if (!Parser().TryGetModeForDigit(digit, out SupervisionMode mode))
        {
            ControllerLog.DigitIgnored(_logger, digit, "not a mode key");
            return;
        }

        await SwitchAsync(session, mode, SupervisionTrigger.Digit, digit, _stop.Token).ConfigureAwait(false);
    }

    private async Task<PermissionDecision> SwitchAsync(SupervisionSession session, SupervisionMode mode, SupervisionTrigger trigger, string? digit, CancellationToken cancellationToken)
    {
        if (!session.IsRunning || session.IsEnded || session.AgentLegId is null)
        {
            return PermissionDecision.Deny(DenialReason.NoSuchSupervision, "The supervision is not running.");
        }

        if (mode == session.Mode)
        {
            return PermissionDecision.Allow();
        }

        var attempt = new SupervisionAttempt(session.SupervisorLegId, session.Supervisor?.Extension, session.Supervisor?.Tenant, session.Agent?.Extension ?? string.Empty, mode)
        {
            TargetLegId = session.AgentLegId,
        };
        SupervisionAuthorization authorization = await _authorizer.AuthorizeAsync(attempt, cancellationToken).ConfigureAwait(false);
        if (!authorization.IsAllowed)
        {
            _telemetry.Denied(authorization.Decision.Reason, modeSwitch: true);
            ControllerLog.ModeChangeDenied(_logger, mode, authorization.Decision.Reason);
            Publish(session, SupervisionAuditKind.ModeChangeDenied, e => e with { Mode = mode, PreviousMode = session.Mode, Trigger = trigger, Digit = digit, DenialReason = authorization.Decision.Reason, Detail = authorization.Decision.Detail });
            return authorization.Decision;
        }

        switch (await StillLeadingAsync(session).ConfigureAwait(false))
        {
            case LeadCheck.FencedOff:
                // This replica paused past its lease and another one runs the supervision now: not ours to touch.
                DropFencedOff(session);
                return PermissionDecision.Deny(DenialReason.NoSuchSupervision, "Another controller replica runs this supervision now.");
            case LeadCheck.Unknown:
                // No change without a lease; the running supervision itself goes on.
                PermissionDecision unavailable = PermissionDecision.Deny(DenialReason.CoordinationUnavailable, "The replicas' coordinator is unavailable.");
                Publish(session, SupervisionAuditKind.ModeChangeDenied, e => e with { Mode = mode, PreviousMode = session.Mode, Trigger = trigger, Digit = digit, DenialReason = unavailable.Reason, Detail = unavailable.Detail });
                return unavailable;
        }

        await SwitchEavesdropAsync(session, mode, cancellationToken).ConfigureAwait(false);
        SupervisionMode previous = session.Mode;
        session.Mode = mode;
        await RecordModeOnLegAsync(session, mode, cancellationToken).ConfigureAwait(false);
        _telemetry.ModeSwitched(mode, trigger);
        ControllerLog.ModeChanged(_logger, previous, mode, trigger);
        Publish(session, SupervisionAuditKind.ModeChanged, e => e with { Mode = mode, PreviousMode = previous, Trigger = trigger, Digit = digit });
        return PermissionDecision.Allow();
    }

    private async Task RefuseAsync(SupervisionSession session, PermissionDecision decision)
    {
        session.IsEnded = true;
        _telemetry.Denied(decision.Reason, modeSwitch: false);
        ControllerLog.Denied(_logger, decision.Reason);
        Publish(session, SupervisionAuditKind.Denied, e => e with { DenialReason = decision.Reason, Detail = decision.Detail });
        try
        {
            await PlayRefusalAsync(session, _options.CurrentValue).ConfigureAwait(false);
        }
        finally
        {
            // No word to the origin switch here: its leg ends with this one (hangup_after_bridge) once the tone has played.
            _sessions.TryRemove(session.SupervisorLegId, out _);
            ReleaseLease(session);
            session.Close();
        }
    }

    private async Task OnEavesdropEndedAsync(SupervisionSession session)
    {
        CallLeg? supervisorLeg = _registry.GetLeg(session.SupervisorLegId);
        bool supervisorStillThere = supervisorLeg is not null && supervisorLeg.State != CallLegState.Ended;
        await FinishAsync(session, supervisorStillThere ? SupervisionEndReason.AgentCallEnded : SupervisionEndReason.SupervisorHungUp, hangUp: supervisorStillThere).ConfigureAwait(false);
    }

    private async Task FinishAsync(SupervisionSession session, SupervisionEndReason reason, bool hangUp, PermissionDecision? cause = null)
    {
        if (session.IsEnded)
        {
            return;
        }

        session.IsEnded = true;
        if (hangUp)
        {
            await HangUpSupervisorAsync(session, eavesdropReturned: reason == SupervisionEndReason.AgentCallEnded && !session.IsRelayed).ConfigureAwait(false);
        }

        _sessions.TryRemove(session.SupervisorLegId, out _);
        ReleaseLease(session);
        NotifyPeerOfEnd(session);
        if (session.IsRelayed && session.RelayArrived)
        {
            // The peer switch ran the supervision and audits its end; this leg only carried it there.
        }
        else if (session.IsRelayed && session.RelayBridged)
        {
            Publish(session, SupervisionAuditKind.Ended, e => e with { EndReason = SupervisionEndReason.StartFailed, Duration = TimeSpan.Zero, Detail = "The agent's switch did not accept the supervision." });
        }
        else if (session.IsRunning)
        {
            TimeSpan duration = _time.GetUtcNow() - session.Since;
            _telemetry.Ended(reason, duration);
            ControllerLog.Ended(_logger, reason, duration.TotalSeconds);
            Publish(session, SupervisionAuditKind.Ended, e => e with { Mode = session.Mode, EndReason = reason, Duration = duration, DenialReason = cause?.Reason, Detail = cause?.Detail });
        }
        else
        {
            Publish(session, SupervisionAuditKind.Ended, e => e with { EndReason = reason, Duration = TimeSpan.Zero });
        }

        session.Close();
    }

    private void Publish(SupervisionSession session, SupervisionAuditKind kind, Func<SupervisionAuditEvent, SupervisionAuditEvent> fill)
    {
        var entry = fill(new SupervisionAuditEvent
        {
            Kind = kind,
            At = _time.GetUtcNow(),
            SupervisorLegId = session.OriginLegId ?? session.SupervisorLegId,
            Supervisor = session.Supervisor,
            Agent = session.Agent,
            AgentLegId = session.AgentLegId,
            SupervisorSwitch = session.SupervisorSwitch,
            AgentSwitch = session.AgentSwitch,
        });
        lock (_auditGate)
        {
            // Queues only: subscribers and sinks are served by their own loops, never on a decision's path.
            _audit.Publish(entry);
            foreach (AuditSinkWriter writer in _sinkWriters)
            {
                writer.Enqueue(entry);
            }
        }

        RecordDetailsSoon(session, kind);
    }

    private void OnWorkFailed(Exception error) => ControllerLog.WorkFailed(_logger, error);

    private static void Observe(Task task)
        => task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
