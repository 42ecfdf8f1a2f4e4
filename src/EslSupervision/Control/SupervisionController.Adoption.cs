using EslSupervision.Calls;
using EslSupervision.EventSocket;

namespace EslSupervision.Control;

/// <content>
/// Adoption: when the controller starts, when the connection comes back and when its event feed lost events, the
/// registry is re-read from the switch and the supervisions this library set up (recognised by
/// <c>esl_supervision_mode</c> on the supervisor's leg) are taken over; sessions whose eavesdrop or leg ended
/// meanwhile are finished. Apart from the state machine, which it only hands sessions to.
/// </content>
public sealed partial class SupervisionController
{
    private readonly SemaphoreSlim _resyncGate = new(1, 1);
    private bool _seenDisconnect;

    private void OnStateChanged(EslConnectionState state)
    {
        if (state is EslConnectionState.Reconnecting or EslConnectionState.Disconnected)
        {
            _seenDisconnect = true;
        }
        else if (state == EslConnectionState.Connected && _seenDisconnect)
        {
            _seenDisconnect = false;
            // Observed: a resync racing DisposeAsync may meet a disposed token source or gate; that must not surface later.
            Observe(Task.Run(() => ResyncAsync(_stop.Token), CancellationToken.None));
        }
    }

    /// <summary>Learns the switch's calls again and takes over supervisions running in it.</summary>
    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        await _resyncGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            CallRegistryResyncResult result = await _registry.ResyncAsync(_connection, cancellationToken).ConfigureAwait(false);
            CallRegistrySnapshot snapshot = _registry.GetSnapshot();
            int adopted = 0;
            foreach (CallLeg leg in snapshot.Legs)
            {
                // Only legs we set up carry esl_supervision_mode; other eavesdrops are not ours to drive.
                if (leg.Supervising is not { Mode: { } mode } running || !EslIdentifiers.IsChannelUuid(leg.UniqueId) || _sessions.ContainsKey(leg.UniqueId))
                {
                    continue;
                }

                if (!await MayAdoptAsync(leg.UniqueId, running.Since).ConfigureAwait(false))
                {
                    continue; // With replicas: another one holds it (or nobody can say), so it is not this one's to adopt.
                }

                var session = new SupervisionSession(leg.UniqueId, _connection, outbound: false, running.Since, OnWorkFailed)
                {
                    SupervisorSwitch = _cluster?.LocalSwitch,
                    AgentSwitch = _cluster?.LocalSwitch,
                    Supervisor = leg.AuthenticatedUser,
                    AgentLegId = running.TargetLegId,
                    Agent = snapshot.Legs.FirstOrDefault(l => l.UniqueId == running.TargetLegId)?.Agent,
                    Mode = mode,
                    IsRunning = true,
                };
                if (_cluster is not null && leg.AuthenticatedUser is null)
                {
                    // A leg that arrived from a peer switch has no digest user: its identity is what this controller stored on it.
                    await RecoverArrivalAsync(session, cancellationToken).ConfigureAwait(false);
                }

                if (!_sessions.TryAdd(leg.UniqueId, session))
                {
                    ReleaseLease(leg.UniqueId);
                }
                else
                {
                    adopted++;
                    _telemetry.Started(mode, adopted: true);
                    Publish(session, SupervisionAuditKind.Adopted, e => e with { Mode = mode });
                }
            }

            // Sessions whose eavesdrop ended, or whose leg vanished, while the connection was down.
            foreach (SupervisionSession session in _sessions.Values.Where(s => (s.IsRunning || s.IsRelayed) && !s.IsOutbound))
            {
                CallLeg? leg = _registry.GetLeg(session.SupervisorLegId);
                if (leg is null && session.IsRelayed)
                {
                    session.Post(() => FinishAsync(session, SupervisionEndReason.SupervisorHungUp, hangUp: false));
                }
                else if (session.IsRelayed)
                {
                    continue; // Bridged to the peer: its end arrives as the bridge's end.
                }
                else if (leg is null)
                {
                    session.Post(() => FinishAsync(session, SupervisionEndReason.LostWhileDisconnected, hangUp: false));
                }
                else if (!leg.IsSupervising)
                {
                    session.Post(() => OnEavesdropEndedAsync(session));
                }
            }

            ControllerLog.Adopted(_logger, adopted, result.Channels);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ControllerLog.ResyncFailed(_logger, ex);
        }
        finally
        {
            _resyncGate.Release();
        }
    }
}
