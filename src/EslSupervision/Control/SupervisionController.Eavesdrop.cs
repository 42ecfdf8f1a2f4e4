using System.Globalization;
using EslSupervision.EventSocket;

namespace EslSupervision.Control;

/// <content>
/// The FreeSWITCH command details of a supervision: the eavesdrop start sequence on the supervisor's leg, switching
/// a running eavesdrop and recording its mode on the leg, the refusal tone, and hanging a leg up; apart from the
/// state machine in <c>SupervisionController.Flow.cs</c>.
/// </content>
public sealed partial class SupervisionController
{
    /// <summary>
    /// The measured start sequence, all on the supervisor's leg and all before <c>eavesdrop</c> (while it runs
    /// the switch processes no further <c>sendmsg</c>). Written back to back; the switch runs them in order.
    /// </summary>
    private static async Task StartEavesdropAsync(SupervisionSession session, IReadOnlyList<string> digits)
    {
        // Checked before anything is written: nothing FreeSWITCH would expand may reach an argument.
        if (TextRules.HasExpansionChars(session.AgentLegId) || TextRules.HasExpansionChars(session.Supervisor?.ToString()) || digits.Any(TextRules.HasExpansionChars)
            || TextRules.HasExpansionChars(session.SupervisorSwitch) || TextRules.HasExpansionChars(session.OriginLegId))
        {
            throw new ArgumentException("An eavesdrop argument would carry '$', '{' or '}'.", nameof(session));
        }

        IEslConnection c = session.Connection;
        string leg = session.SupervisorLegId;
        (bool bleg, bool aleg) = session.Mode switch
        {
            SupervisionMode.Whisper => (true, false),
            SupervisionMode.Barge => (true, true),
            _ => (false, false),
        };
        var steps = new List<Task<EslExecution>>
        {
            c.ExecuteAsync(leg, "answer"),
            c.ExecuteAsync(leg, "set", "eavesdrop_enable_dtmf=false"),
            c.ExecuteAsync(leg, "set", "eavesdrop_whisper_bleg=" + (bleg ? "true" : "false")),
            c.ExecuteAsync(leg, "set", "eavesdrop_whisper_aleg=" + (aleg ? "true" : "false")),
            c.ExecuteAsync(leg, "set", "esl_supervision_mode=" + ModeName(session.Mode)),
            c.ExecuteAsync(leg, "set", "esl_supervision_target=" + session.AgentLegId),
            c.ExecuteAsync(leg, "set", "esl_supervision_supervisor=" + session.Supervisor),
        };
        if (session.OriginLegId is not null)
        {
            // A leg from a peer switch: where the supervisor's own leg is, so a restarted controller can still end both.
            steps.Add(c.ExecuteAsync(leg, "set", $"esl_supervision_origin={session.SupervisorSwitch}/{session.OriginLegId}"));
        }

        foreach (string digit in digits)
        {
            steps.Add(c.ExecuteAsync(leg, "bind_digit_action", $"{DigitRealm},{digit},exec[i]:event,{DigitHeader}={digit}"));
        }

        steps.Add(c.ExecuteAsync(leg, "digit_action_set_realm", DigitRealm));
        steps.Add(c.ExecuteAsync(leg, "eavesdrop", session.AgentLegId, new EslExecuteOptions { EventUuid = session.EavesdropEventUuid }));
        try
        {
            await Task.WhenAll(steps).ConfigureAwait(false);
        }
        finally
        {
            foreach (Task<EslExecution> step in steps)
            {
                if (step.IsCompletedSuccessfully)
                {
                    Observe(step.Result.Completion); // Ends are tracked by events; a channel gone is not an error here.
                }
            }
        }
    }

    /// <summary>Switches a running eavesdrop: the custom event the supervisor's leg answers with <c>eavesdrop-command</c>.</summary>
    private static async Task SwitchEavesdropAsync(SupervisionSession session, SupervisionMode mode, CancellationToken cancellationToken)
    {
        await session.Connection.SendEventAsync(
            "CUSTOM",
            [
                new("Event-Subclass", ModeEventSubclass),
                new("Unique-ID", session.SupervisorLegId),
                new("eavesdrop-command", EavesdropCommand(mode)),
            ],
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps the mode on the channel so a restarted controller knows it (<c>uuid_setvar</c> works while eavesdrop
    /// runs). Best effort: the switch already runs the new mode, so a failure here is logged, not surfaced.
    /// </summary>
    private async Task RecordModeOnLegAsync(SupervisionSession session, SupervisionMode mode, CancellationToken cancellationToken)
    {
        try
        {
            await session.Connection.ApiAsync("uuid_setvar", $"{session.SupervisorLegId} esl_supervision_mode {ModeName(mode)}", cancellationToken).ConfigureAwait(false);
        }
        catch (EslException ex)
        {
            ControllerLog.WorkFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Audible and clean: a short tone, then a hang-up with a cause that says "refused"; if the leg no longer takes
    /// applications, it is killed through the API with the same cause.
    /// </summary>
    private async Task PlayRefusalAsync(SupervisionSession session, SupervisionOptions options)
    {
        IEslConnection c = session.Connection;
        string leg = session.SupervisorLegId;
        try
        {
            Task<EslExecution>[] steps =
            [
                c.ExecuteAsync(leg, "answer"),
                c.ExecuteAsync(leg, "playback", options.RefusalSound),
                c.ExecuteAsync(leg, "hangup", options.RefusalHangupCause),
            ];
            await Task.WhenAll(steps).ConfigureAwait(false);
            foreach (Task<EslExecution> step in steps)
            {
                Observe(step.Result.Completion);
            }
        }
        catch (Exception ex) when (ex is EslException or ArgumentException)
        {
            ControllerLog.RefusalFallback(_logger, ex);
            await KillAsync(c, leg, options.RefusalHangupCause).ConfigureAwait(false);
        }
    }

    /// <summary>Hangs up the supervisor's leg at the end of a supervision.</summary>
    /// <param name="session">The supervision.</param>
    /// <param name="eavesdropReturned">Whether <c>eavesdrop</c> has already returned on the leg.</param>
    private async Task HangUpSupervisorAsync(SupervisionSession session, bool eavesdropReturned)
    {
        if (eavesdropReturned)
        {
            // Eavesdrop has returned, so the leg processes sendmsg again: hang up the way the capture did.
            try
            {
                EslExecution hangup = await session.Connection.ExecuteAsync(session.SupervisorLegId, "hangup", "NORMAL_CLEARING").ConfigureAwait(false);
                Observe(hangup.Completion);
            }
            catch (EslException)
            {
                await KillAsync(session.Connection, session.SupervisorLegId, "NORMAL_CLEARING").ConfigureAwait(false);
            }
        }
        else
        {
            // While eavesdrop runs a queued hangup would wait behind it: kill the leg through the API.
            await KillAsync(session.Connection, session.SupervisorLegId, "NORMAL_CLEARING").ConfigureAwait(false);
        }
    }

    private async Task KillAsync(IEslConnection connection, string leg, string cause)
    {
        try
        {
            await connection.HangupAsync(leg, cause).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is EslException or ArgumentException)
        {
            ControllerLog.WorkFailed(_logger, ex);
        }
    }

    private static string EavesdropCommand(SupervisionMode mode) => mode switch
    {
        // The switch's own numbering: 2 = the target's endpoint hears (whisper), 3 = both (barge).
        SupervisionMode.Whisper => "2",
        SupervisionMode.Barge => "3",
        _ => "0",
    };

    private static string ModeName(SupervisionMode mode) => mode.ToString().ToLower(CultureInfo.InvariantCulture);
}
