using System.Collections.Concurrent;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <content>
/// Replicas and legs arriving from a peer switch. Every replica sees the arrival park; exactly one may decide about
/// it, before anything else (even the refusals of a leg that is not from a peer), so that each arrival is audited
/// once and the single-use token is never spent by the wrong replica. The arrival is leased under the ORIGIN leg
/// named in its token (read, not trusted): the replica that relays that leg already holds that lease and leads its
/// arrival too, so one replica owns both halves of a cross-switch supervision.
/// </content>
public sealed partial class SupervisionController
{
    /// <summary>How long after the holder's expiry a dropped arrival is looked at again, so both clocks agree it ran out.</summary>
    private static readonly TimeSpan ArrivalRetryMargin = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, ITimer> _arrivalRetries = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether this replica decides about an arriving leg. <see langword="false"/>: the session is dropped (another
    /// replica leads it) or refused audibly (no coordinator, the same refusal as for a service code).
    /// </summary>
    /// <param name="session">The arriving leg's session.</param>
    /// <param name="call">Its park event.</param>
    /// <param name="retry">Whether this is the one look again after the holder's lease ran out (no further retry).</param>
    private async Task<bool> TryLeadArrivalAsync(SupervisionSession session, EslEvent call, bool retry)
    {
        if (_coordination is null)
        {
            return true;
        }

        IClusterLink cluster = _cluster!;

        // Never used for a decision: only to pick the same key on every replica. A forged token gains nothing by it;
        // the replica that wins still checks the token in full.
        (string OriginSwitch, string OriginLegId)? origin = cluster.PeekOrigin(call["Caller-Destination-Number"]);
        if (origin is { } relayed && cluster.RelaysHere(relayed.OriginSwitch, relayed.OriginLegId))
        {
            // This process relays that leg, so it holds its lease: it leads the arrival without asking anyone, and
            // the in-process link between the two halves keeps working.
            return true;
        }

        SupervisionLeaseKey key = origin is { } o ? new SupervisionLeaseKey(o.OriginSwitch, o.OriginLegId) : LeaseKeyOf(session);
        string legId = session.SupervisorLegId;
        return await TryLeadAsync(session, key, retry ? null : holder => RetryArrivalAfter(holder, call, legId)).ConfigureAwait(false);
    }

    /// <summary>
    /// Another replica holds the arrival's key. If that replica died between bridging the leg here and deciding about
    /// it, the leg would stay parked: once the holder's lease has run out, look once more (a live holder renews it).
    /// </summary>
    private void RetryArrivalAfter(SupervisionLeaseRecord holder, EslEvent call, string legId)
    {
        TimeSpan wait = holder.Lease.ExpiresAt - _time.GetUtcNow() + ArrivalRetryMargin;
        ITimer timer = _time.CreateTimer(_ => RetryArrival(call, legId), null, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        if (_stop.IsCancellationRequested)
        {
            timer.Dispose();
            return;
        }

        if (_arrivalRetries.TryRemove(legId, out ITimer? previous))
        {
            previous.Dispose();
        }

        _arrivalRetries[legId] = timer;
    }

    private void RetryArrival(EslEvent call, string legId)
    {
        if (_arrivalRetries.TryRemove(legId, out ITimer? timer))
        {
            timer.Dispose();
        }

        // Only a leg still waiting for a decision: parked, no eavesdrop, and nobody here working on it.
        if (_stop.IsCancellationRequested || _registry.GetLeg(legId) is not { State: CallLegState.Parked, Supervising: null } || _sessions.ContainsKey(legId))
        {
            return;
        }

        ClusterLog.ArrivalRetried(_logger);
        var session = new SupervisionSession(legId, _connection, outbound: false, _time.GetUtcNow(), OnWorkFailed) { AgentSwitch = _cluster!.LocalSwitch };
        if (_sessions.TryAdd(legId, session))
        {
            session.Post(() => BeginArrivalAsync(session, call, retry: true));
        }
        else
        {
            session.Close();
        }
    }

    private void StopArrivalRetries()
    {
        foreach (string legId in _arrivalRetries.Keys)
        {
            if (_arrivalRetries.TryRemove(legId, out ITimer? timer))
            {
                timer.Dispose();
            }
        }
    }
}

/// <content>Log messages of arrivals with replicas.</content>
internal static partial class ClusterLog
{
    [LoggerMessage(3104, LogLevel.Information, "A leg from a peer switch is still parked after its replica's lease ran out: deciding about it here.")]
    public static partial void ArrivalRetried(ILogger logger);
}
