using System.Globalization;
using EslSupervision.Calls;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <content>
/// The FreeSWITCH command details of a supervision: the eavesdrop start sequence on the supervisor's leg, the
/// eavesdrop argument per mode, and hanging a leg up; apart from the state machine in <c>SupervisionController.Flow.cs</c>.
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
