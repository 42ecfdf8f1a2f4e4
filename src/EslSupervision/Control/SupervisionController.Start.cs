using EslSupervision.Calls;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <content>Supervision started from code: the switch calls the supervisor's phone, then the usual start sequence runs.</content>
public sealed partial class SupervisionController
{
    /// <summary>Hang-up causes that mean "rang, nobody took it" rather than "could not ring at all".</summary>
    /// <summary>How long a start from code waits for the agent's switch to decide about the leg handed to it.</summary>
    private static readonly TimeSpan RelayDecisionWait = TimeSpan.FromSeconds(10);

    private static readonly HashSet<string> NotAnsweredCauses = new(StringComparer.Ordinal)
    {
        "NO_ANSWER", "NO_USER_RESPONSE", "USER_BUSY", "CALL_REJECTED", "ORIGINATOR_CANCEL", "ALLOTTED_TIMEOUT",
    };

    /// <summary>
    /// Starts a supervision for a supervisor whose identity the caller has established (e.g. from ASP.NET Core
    /// authentication): the same guards and permission provider as a service code decide first; if allowed, the
    /// switch calls the supervisor's own phone (<c>user/&lt;extension&gt;@&lt;tenant&gt;</c>, caller ID
    /// <c>Supervision_&lt;agent&gt;</c>) and parks the answered leg, and the measured start sequence runs on it
    /// (decided again, since the agent's call may have ended while the phone rang). Keys 0/1/2 work as usual.
    /// Audited with <see cref="SupervisionTrigger.Api"/>.
    /// </summary>
    /// <param name="request">Who, whom and how.</param>
    /// <param name="cancellationToken">Stops waiting (the switch may still ring the phone until its own time-out).</param>
    /// <returns>Started, denied (with the decision), not answered (with the cause) or failed.</returns>
    /// <exception cref="ArgumentException">A value of <paramref name="request"/> is malformed (tenant, extension, agent extension, ring time-out).</exception>
    public async Task<SupervisionStartResult> StartSupervisionAsync(SupervisionStartRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Supervisor);
        SupervisionOptions options = _options.CurrentValue;
        string tenant = request.Supervisor.Tenant;
        string extension = request.Supervisor.Extension;

        // Every value ends up in the dial string or a set argument: strict character sets, checked before anything is sent.
        if (!TextRules.IsDomainLike(tenant) || !TextRules.IsUserName(extension) || !TextRules.IsSafeIdentity(request.Supervisor))
        {
            throw new ArgumentException("The supervisor's tenant or extension has characters that are not allowed.", nameof(request));
        }

        if (!TextRules.IsExtension(request.AgentExtension, options.ExtensionMinDigits, options.ExtensionMaxDigits))
        {
            throw new ArgumentException("The agent extension is not valid.", nameof(request));
        }

        if (!Enum.IsDefined(request.Mode))
        {
            throw new ArgumentException("Unknown mode.", nameof(request));
        }

        if (request.RingTimeout < TimeSpan.FromSeconds(1) || request.RingTimeout > TimeSpan.FromSeconds(300))
        {
            throw new ArgumentException("RingTimeout must be between 1 and 300 seconds.", nameof(request));
        }

        string legId = Guid.NewGuid().ToString();
        var session = new SupervisionSession(legId, _connection, outbound: false, _time.GetUtcNow(), OnWorkFailed)
        {
            SupervisorSwitch = _cluster?.LocalSwitch,
            Supervisor = request.Supervisor,
            Agent = new UserIdentity(tenant, request.AgentExtension),
        };
        var attempt = new SupervisionAttempt(legId, extension, tenant, request.AgentExtension, request.Mode);
        Publish(session, SupervisionAuditKind.Requested, e => e with { Mode = request.Mode, Trigger = SupervisionTrigger.Api });

        // Decide before the phone rings: a refused request never disturbs the supervisor.
        SupervisionAuthorization first = await _authorizer.AuthorizeAsync(attempt, cancellationToken).ConfigureAwait(false);
        if (!first.IsAllowed)
        {
            session.Close();
            _telemetry.Denied(first.Decision.Reason, modeSwitch: false);
            ControllerLog.Denied(_logger, first.Decision.Reason);
            Publish(session, SupervisionAuditKind.Denied, e => e with { Trigger = SupervisionTrigger.Api, DenialReason = first.Decision.Reason, Detail = first.Decision.Detail });
            return SupervisionStartResult.Denied(null, first.Decision);
        }

        EslOriginateResult call;
        try
        {
            call = await _connection.OriginateAsync(
                new EslOriginateRequest($"user/{extension}@{tenant}")
                {
                    UniqueId = legId,
                    CallerIdName = "Supervision_" + request.AgentExtension,
                    CallerIdNumber = request.AgentExtension,
                    RingTimeout = request.RingTimeout,
                    Application = "park",
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is EslException or ArgumentException)
        {
            session.Close();
            StartLog.CallFailed(_logger, ex);
            Publish(session, SupervisionAuditKind.Ended, e => e with { EndReason = SupervisionEndReason.StartFailed, Duration = TimeSpan.Zero, Detail = "The supervisor's phone could not be called." });
            return SupervisionStartResult.Failed(null, "The supervisor's phone could not be called.");
        }

        if (!call.IsAnswered)
        {
            session.Close();
            bool rang = call.HangupCause is { } cause && NotAnsweredCauses.Contains(cause);
            StartLog.NotAnswered(_logger, call.HangupCause);
            Publish(session, SupervisionAuditKind.Ended, e => e with { EndReason = SupervisionEndReason.StartFailed, Duration = TimeSpan.Zero, Detail = "Phone not answered: " + call.HangupCause });
            return rang
                ? SupervisionStartResult.NotAnswered(legId, call.HangupCause)
                : SupervisionStartResult.Failed(legId, "The supervisor's phone could not be reached.", call.HangupCause);
        }

        if (!_sessions.TryAdd(legId, session))
        {
            session.Close();
            await KillAsync(_connection, legId, "NORMAL_CLEARING").ConfigureAwait(false);
            return SupervisionStartResult.Failed(legId, "The new leg is already handled.");
        }

        // The phone's own hang-up (already reported, or still on its way) is routed to the session from now on;
        // the start runs on the session's queue like every other step of that leg.
        if (_registry.GetLeg(legId) is { State: CallLegState.Ended })
        {
            session.Post(() => FinishAsync(session, SupervisionEndReason.SupervisorHungUp, hangUp: false));
        }

        try
        {
            SupervisionStartResult result = await session.Invoke(() => StartAuthorizedAsync(session, attempt, SupervisionTrigger.Api)).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsStarted && session.IsRelayed)
            {
                // The agent is on another switch: the answer is the peer's decision about the leg handed to it.
                try
                {
                    result = await session.RelayOutcome.Task.WaitAsync(RelayDecisionWait, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    result = SupervisionStartResult.Failed(legId, "The agent's switch did not decide in time.");
                }
            }

            return result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The session's queue closed before the start ran: the phone hung up right after answering.
            return SupervisionStartResult.Failed(legId, "The supervisor hung up before the supervision started.");
        }
    }
}

/// <summary>Log lines of starts from code (event ids 3070-3079).</summary>
internal static partial class StartLog
{
    [LoggerMessage(3070, LogLevel.Warning, "Could not call the supervisor's phone for a supervision started from code.")]
    public static partial void CallFailed(ILogger logger, Exception error);

    [LoggerMessage(3071, LogLevel.Information, "The supervisor's phone did not answer ({Cause}).")]
    public static partial void NotAnswered(ILogger logger, string? cause);
}
