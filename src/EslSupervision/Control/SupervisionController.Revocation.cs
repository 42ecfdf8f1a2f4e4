using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <content>Re-checking running supervisions when permissions may have changed.</content>
public sealed partial class SupervisionController
{
    private static readonly SupervisionMode[] FallbackModes = [SupervisionMode.Spy, SupervisionMode.Whisper];

    private void SubscribeToPermissionChanges()
    {
        if (_options.OnChange((_, _) => RecheckAll()) is { } settingsChanged)
        {
            _changeSubscriptions.Add(settingsChanged);
        }

        if (_authorizer.Provider is ISupervisionPermissionChangeSource source)
        {
            _changeSubscriptions.Add(source.PermissionsChanged.Subscribe(
                _ => RecheckAll(),
                error => ControllerLog.WorkFailed(_logger, error)));
        }
    }

    private void RecheckAll()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        foreach (SupervisionSession session in _sessions.Values)
        {
            session.Post(() => RecheckAsync(session));
        }
    }

    /// <summary>
    /// Lost the right to supervise that agent (or the tenant is off): cut off, audited as PermissionRevoked. Lost
    /// only the current mode: moved to spy, else whisper, else cut off. Fails closed: a provider error ends it too.
    /// </summary>
    private async Task RecheckAsync(SupervisionSession session)
    {
        if (!session.IsRunning || session.IsEnded || session.AgentLegId is null || session.Agent is null)
        {
            return;
        }

        var attempt = new SupervisionAttempt(session.SupervisorLegId, session.Supervisor?.Extension, session.Supervisor?.Tenant, session.Agent.Extension, session.Mode)
        {
            TargetLegId = session.AgentLegId,
        };
        SupervisionAuthorization authorization = await _authorizer.AuthorizeAsync(attempt, _stop.Token).ConfigureAwait(false);
        PermissionDecision decision = authorization.Decision;
        if (decision.IsAllowed || decision.Reason is DenialReason.AgentNotOnCall or DenialReason.NoSuchSupervision)
        {
            return; // Still allowed, or the call is ending anyway (its own events end the supervision).
        }

        if (decision.Reason == DenialReason.ModeNotAllowed)
        {
            foreach (SupervisionMode fallback in FallbackModes)
            {
                if (fallback != session.Mode && (await SwitchAsync(session, fallback, SupervisionTrigger.PermissionChange, digit: null, _stop.Token).ConfigureAwait(false)).IsAllowed)
                {
                    return;
                }
            }
        }

        ControllerLog.Revoked(_logger, decision.Reason);
        _telemetry.Denied(decision.Reason, modeSwitch: true);
        await FinishAsync(session, SupervisionEndReason.PermissionRevoked, hangUp: true, decision).ConfigureAwait(false);
    }
}
