using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <content>
/// The coordinator is down, so no replica can take a service-code call's lease, and every replica would refuse it:
/// two refusal tones, two <c>Denied</c> audits. Which replica refuses is settled without the coordinator, by the
/// switch: a channel variable on the supervisor's leg that each replica writes its id into and reads back.
/// </content>
public sealed partial class SupervisionController
{
    /// <summary>The supervisor leg's variable that names the replica refusing it while the coordinator is down.</summary>
    internal const string RefuserVariable = "esl_supervision_refuser";

    /// <summary>
    /// Refuses a service-code call that found no coordinator, unless another replica does. The switch arbitrates:
    /// <c>uuid_getvar</c>; another replica's id there → step back in silence. Otherwise <c>uuid_setvar</c> this
    /// replica's id, wait <see cref="Cluster.SupervisionCoordinationOptions.RefusalSettleWindow"/>, read it back:
    /// still this replica → refuse (one tone, one audit); another id → step back. The last writer wins, and every
    /// writer reads after the window, so replicas that both wrote agree on that writer.
    /// </summary>
    /// <remarks>
    /// Not exact: a replica whose read and write of the variable lie further apart than the window (a long pause
    /// between the two) can write after the other replica has read back and refused; then both refuse, as without
    /// the tie-break. That is two tones and two audits, never a supervision. When the switch cannot be asked (the
    /// command fails), the replica refuses as before: a refusal heard twice is better than one heard never.
    /// </remarks>
    private async Task RefuseForOutageAsync(SupervisionSession session, ReplicaCoordination coordination)
    {
        PermissionDecision unavailable = PermissionDecision.Deny(DenialReason.CoordinationUnavailable, "The replicas' coordinator is unavailable: no supervision starts without a lease.");
        if (coordination.RefusalSettleWindow == TimeSpan.Zero)
        {
            await RefuseAsync(session, unavailable).ConfigureAwait(false);
            return;
        }

        string me = coordination.ReplicaId;
        string leg = session.SupervisorLegId;
        try
        {
            RefuserAnswer before = await ReadRefuserAsync(session).ConfigureAwait(false);
            if (before.Gone || (before.Replica is not null && !string.Equals(before.Replica, me, StringComparison.Ordinal)))
            {
                StepBack(session, before.Replica);
                return;
            }

            // The replica id is checked at UseCoordination (1-64 of A-Z a-z 0-9 . _ -): nothing in it can split the command.
            EslApiResponse set = await session.Connection.ApiAsync("uuid_setvar", $"{leg} {RefuserVariable} {me}", _stop.Token).ConfigureAwait(false);
            if (set.IsError)
            {
                StepBack(session, null); // The leg is gone: nobody is left to hear a refusal.
                return;
            }

            await Task.Delay(coordination.RefusalSettleWindow, _time, _stop.Token).ConfigureAwait(false);
            RefuserAnswer after = await ReadRefuserAsync(session).ConfigureAwait(false);
            if (after.Gone || !string.Equals(after.Replica, me, StringComparison.Ordinal))
            {
                StepBack(session, after.Replica);
                return;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return; // Shutting down: the replica that stays refuses.
        }
        catch (Exception ex) when (ex is EslException or IOException or InvalidOperationException or TimeoutException)
        {
            ControllerLog.RefuserUnknown(_logger, ex.GetType().Name);
        }

        await RefuseAsync(session, unavailable).ConfigureAwait(false);
    }

    /// <summary>The leg's refuser variable: a replica id, none (<c>_undef_</c>), or the leg is gone (<c>-ERR</c>).</summary>
    private async Task<RefuserAnswer> ReadRefuserAsync(SupervisionSession session)
    {
        EslApiResponse reply = await session.Connection.ApiAsync("uuid_getvar", $"{session.SupervisorLegId} {RefuserVariable}", _stop.Token).ConfigureAwait(false);
        if (reply.IsError)
        {
            return new RefuserAnswer(null, Gone: true);
        }

        string value = reply.Text.Trim();
        return new RefuserAnswer(value.Length == 0 || value == "_undef_" ? null : value, Gone: false);
    }

    /// <summary>Another replica refuses this call (or it is gone): drop it without a command or an audit.</summary>
    private void StepBack(SupervisionSession session, string? refuser)
    {
        ControllerLog.RefusalLeftToReplica(_logger, refuser ?? "none (leg gone)");
        _sessions.TryRemove(session.SupervisorLegId, out _);
        session.IsEnded = true;
        session.Close();
    }

    private readonly record struct RefuserAnswer(string? Replica, bool Gone);
}

/// <content>Log messages of the coordinator-outage tie-break (3220-3224).</content>
internal static partial class ControllerLog
{
    [LoggerMessage(3220, LogLevel.Information, "Coordinator down: the refusal of a service-code call is left to replica {Refuser}")]
    public static partial void RefusalLeftToReplica(ILogger logger, string refuser);

    [LoggerMessage(3221, LogLevel.Warning, "Coordinator down and the switch could not settle which replica refuses ({Error}): refusing from this replica")]
    public static partial void RefuserUnknown(ILogger logger, string error);
}
