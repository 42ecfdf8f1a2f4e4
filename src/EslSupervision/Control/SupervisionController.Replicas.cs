using System.Collections.Concurrent;
using EslSupervision.Cluster;
using EslSupervision.Permissions;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <content>
/// Several controller replicas on the same switches: a lease per supervisor leg before any decision, so that exactly
/// one replica acts on a service-code call (the others do nothing, not even audit), its fence checked right before
/// the eavesdrop starts, renewed while the supervision runs and released at its end.
/// </content>
public sealed partial class SupervisionController
{
    private readonly ConcurrentDictionary<string, HeldLease> _leases = new(StringComparer.OrdinalIgnoreCase);
    private volatile ReplicaCoordination? _coordination;
    private ITimer? _orphanSweep;

    /// <summary>This replica's id in leases, or <see langword="null"/> while it does not coordinate with other replicas.</summary>
    public string? ReplicaId => _coordination?.ReplicaId;

    /// <summary>
    /// Makes this controller one of several replicas: before deciding on a service-code call it takes the lease on
    /// the supervisor's leg from <paramref name="coordinator"/>, and does nothing when another replica holds it. When
    /// the coordinator cannot answer, the call is refused audibly (no decision without a lease). Call it before
    /// <see cref="StartAsync"/>.
    /// </summary>
    /// <param name="coordinator">The coordinator shared by the replicas (for example Redis).</param>
    /// <param name="options">Replica id, lease time, renew interval; checked with <see cref="SupervisionCoordinationOptionsValidator"/>.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public void UseCoordination(ISupervisionCoordinator coordinator, SupervisionCoordinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(options);
        var validation = new SupervisionCoordinationOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException("Invalid coordination settings: " + validation.FailureMessage, nameof(options));
        }

        _coordination = new ReplicaCoordination(coordinator, options.ResolveReplicaId(), options.LeaseTime, options.RenewInterval, options.RefusalSettleWindow);
        Interlocked.Exchange(ref _orphanSweep, _time.CreateTimer(
            _ => Observe(Task.Run(SweepForOrphansAsync, CancellationToken.None)),
            null,
            options.RenewInterval,
            options.RenewInterval))?.Dispose();
    }

    /// <summary>
    /// Takes the lease on the session's leg, or on <paramref name="key"/> when the call is leased under another leg
    /// (a leg arriving from a peer switch: its origin leg). <see langword="true"/>: this replica acts.
    /// <see langword="false"/>: it must not, and the session is already dropped (another replica holds the key; then
    /// <paramref name="heldElsewhere"/> hears who) or refused (no coordinator). The only place a call is refused for
    /// want of a lease, whichever way it arrived.
    /// </summary>
    private async Task<bool> TryLeadAsync(SupervisionSession session, SupervisionLeaseKey? key = null, Action<SupervisionLeaseRecord>? heldElsewhere = null)
    {
        if (_coordination is not { } coordination)
        {
            return true;
        }

        SupervisionLeaseKey leaseKey = key ?? LeaseKeyOf(session);
        long asked = _time.GetTimestamp();
        try
        {
            SupervisionLeaseResult result = await coordination.Coordinator.TryAcquireAsync(
                leaseKey, coordination.ReplicaId, coordination.LeaseTime, new SupervisionLeaseDetails { Since = session.Since }, _stop.Token).ConfigureAwait(false);
            if (!result.Acquired)
            {
                // Another replica acts on this call: drop it without a word (no audit, no command).
                ControllerLog.LeaseHeldElsewhere(_logger, result.Holder.Lease.Owner);
                _sessions.TryRemove(session.SupervisorLegId, out _);
                session.IsEnded = true;
                session.Close();
                heldElsewhere?.Invoke(result.Holder);
                return false;
            }

            if (leaseKey == LeaseKeyOf(session))
            {
                Hold(coordination, result.Lease, asked);
            }

            // A lease on another leg (an arrival's origin leg) only says who decides: it is neither renewed nor
            // given back, but runs out by itself, so no replica looking again later can take it while the leg
            // still waits; the arriving leg takes its own lease before its eavesdrop starts.
            return true;
        }
        catch (SupervisionCoordinationException ex)
        {
            ControllerLog.CoordinationUnavailable(_logger, ex.Message);
            await RefuseForOutageAsync(session, coordination).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Right before an action on the switch (the eavesdrop start, a mode switch): is this replica's lease still the
    /// current one? A replica that paused past its lease while another took the leg over is
    /// <see cref="LeadCheck.FencedOff"/> and must not act; <see cref="LeadCheck.Unknown"/> when the coordinator
    /// cannot say (then nothing new may happen either, but the running supervision is kept). A lease the coordinator
    /// granted or renewed less than <see cref="FreshLeaseWindow"/> ago is current without asking (see there).
    /// </summary>
    private async Task<LeadCheck> StillLeadingAsync(SupervisionSession session)
    {
        if (_coordination is not { } coordination)
        {
            return LeadCheck.Leading;
        }

        if (!_leases.TryGetValue(session.SupervisorLegId, out HeldLease? held))
        {
            // No lease yet (a start from code, an outbound session, an arriving leg): take it now, or another
            // replica's orphan sweep would find the running supervision unleased and adopt it as well.
            long asked = _time.GetTimestamp();
            try
            {
                SupervisionLeaseResult result = await coordination.Coordinator.TryAcquireAsync(
                    LeaseKeyOf(session), coordination.ReplicaId, coordination.LeaseTime, new SupervisionLeaseDetails { Since = session.Since }, _stop.Token).ConfigureAwait(false);
                if (!result.Acquired)
                {
                    return LeadCheck.FencedOff;
                }

                Hold(coordination, result.Lease, asked);
                return LeadCheck.Leading;
            }
            catch (SupervisionCoordinationException ex)
            {
                ControllerLog.CoordinationUnavailable(_logger, ex.Message);
                return LeadCheck.Unknown;
            }
        }

        if (_time.GetElapsedTime(held.ConfirmedAt) < FreshLeaseWindow(coordination))
        {
            return LeadCheck.Leading;
        }

        try
        {
            return await coordination.Coordinator.IsCurrentAsync(held.Lease.Key, held.Lease.Fence, _stop.Token).ConfigureAwait(false)
                ? LeadCheck.Leading
                : LeadCheck.FencedOff;
        }
        catch (SupervisionCoordinationException ex)
        {
            ControllerLog.CoordinationUnavailable(_logger, ex.Message);
            return LeadCheck.Unknown;
        }
    }

    private async Task RenewLeaseAsync(SupervisionSession session)
    {
        if (_coordination is not { } coordination || session.IsEnded || !_leases.TryGetValue(session.SupervisorLegId, out HeldLease? held))
        {
            return;
        }

        SupervisionLeaseDetails details = new()
        {
            Supervisor = session.Supervisor,
            SupervisorLegId = session.OriginLegId,
            SupervisorSwitch = session.SupervisorSwitch,
            Agent = session.Agent,
            AgentLegId = session.AgentLegId,
            AgentSwitch = session.AgentSwitch,
            Mode = session.IsRunning ? session.Mode : null,
            Since = session.Since,
        };
        long asked = _time.GetTimestamp();
        try
        {
            SupervisionLease? renewed = await coordination.Coordinator.RenewAsync(held.Lease, coordination.LeaseTime, details, _stop.Token).ConfigureAwait(false);
            if (renewed is not null)
            {
                _leases[session.SupervisorLegId] = held with { Lease = renewed, ConfirmedAt = asked };
                return;
            }

            // Lost (expired while this replica paused, or taken over): the other replica runs it now; stop quietly.
            DropFencedOff(session);
        }
        catch (SupervisionCoordinationException ex)
        {
            // The coordinator is down: a running supervision goes on; the next renewal tries again.
            ControllerLog.CoordinationUnavailable(_logger, ex.Message);
        }
    }

    /// <summary>
    /// Writes what the cluster-wide list shows (agent, mode) into the lease now rather than at the next renewal, so
    /// that another replica lists a start, an adoption or a mode change at once. Runs on the session's queue, after
    /// the step that changed it; one coordinator round trip, off the decision's path.
    /// </summary>
    private void RecordDetailsSoon(SupervisionSession session, SupervisionAuditKind kind)
    {
        if (_coordination is not null && kind is SupervisionAuditKind.Started or SupervisionAuditKind.Adopted or SupervisionAuditKind.ModeChanged
            && _leases.ContainsKey(session.SupervisorLegId))
        {
            session.Post(() => RenewLeaseAsync(session));
        }
    }

    /// <summary>
    /// Before adopting a running supervision (after a reconnect, or when its replica's lease ran out): takes its
    /// lease, so that exactly one replica adopts it. <see langword="true"/> without coordination.
    /// </summary>
    private async Task<bool> MayAdoptAsync(string legId, DateTimeOffset since)
    {
        if (_coordination is not { } coordination)
        {
            return true;
        }

        long asked = _time.GetTimestamp();
        try
        {
            SupervisionLeaseResult result = await coordination.Coordinator.TryAcquireAsync(
                new SupervisionLeaseKey(_cluster?.LocalSwitch ?? SupervisionLeaseKey.SingleSwitch, legId), coordination.ReplicaId, coordination.LeaseTime,
                new SupervisionLeaseDetails { Since = since }, _stop.Token).ConfigureAwait(false);
            if (!result.Acquired)
            {
                return false; // A live replica runs it.
            }

            Hold(coordination, result.Lease, asked);
            return true;
        }
        catch (SupervisionCoordinationException ex)
        {
            ControllerLog.CoordinationUnavailable(_logger, ex.Message);
            return false;
        }
    }

    /// <summary>
    /// Every renew interval: a supervision this controller set up the way it does (mode on the channel) that no
    /// replica holds a lease on any more has lost its replica; a resync then adopts it (lease first, see <see cref="MayAdoptAsync"/>).
    /// </summary>
    private async Task SweepForOrphansAsync()
    {
        if (_coordination is not { } coordination || _stop.IsCancellationRequested)
        {
            return;
        }

        foreach (Calls.CallLeg leg in _registry.GetSnapshot().Legs)
        {
            if (leg.Supervising is not { Mode: not null } || !EslIdentifiers.IsChannelUuid(leg.UniqueId) || _sessions.ContainsKey(leg.UniqueId))
            {
                continue;
            }

            try
            {
                var key = new SupervisionLeaseKey(_cluster?.LocalSwitch ?? SupervisionLeaseKey.SingleSwitch, leg.UniqueId);
                if (await coordination.Coordinator.GetHolderAsync(key, _stop.Token).ConfigureAwait(false) is null)
                {
                    ControllerLog.OrphanFound(_logger);
                    await ResyncAsync(_stop.Token).ConfigureAwait(false);
                    return;
                }
            }
            catch (SupervisionCoordinationException)
            {
                return; // Nobody can adopt while the coordinator is down; the next sweep tries again.
            }
        }
    }

    /// <summary>
    /// How long after the coordinator granted or renewed a lease this replica acts on it without asking again. Nobody
    /// else can take a lease before it expires, so a check this soon could only answer "current", and it added a
    /// round trip to every decision (the fence check right after the acquisition). Measured from before the request,
    /// on this replica's monotonic clock, so a pause of this process counts; at most a quarter of the lease time, which
    /// leaves three quarters of it to clock skew between replicas (the check itself compares with this replica's
    /// clock, which allowed less). What it cannot see, as no check can in the step between its answer and the command:
    /// the lease record lost inside the store (a Redis failover that dropped the write) within that window.
    /// </summary>
    private static TimeSpan FreshLeaseWindow(ReplicaCoordination coordination)
        => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, coordination.LeaseTime.Ticks / 4));

    /// <summary>Keeps a lease: renewed every renew interval through the leg's session, while there is one.</summary>
    /// <param name="coordination">The replica's coordination.</param>
    /// <param name="lease">The lease granted.</param>
    /// <param name="asked">This replica's <see cref="TimeProvider.GetTimestamp"/> from before it asked for the lease.</param>
    private void Hold(ReplicaCoordination coordination, SupervisionLease lease, long asked)
    {
        string leg = lease.Key.LegId;
        ITimer renewal = _time.CreateTimer(
            _ =>
            {
                if (_sessions.TryGetValue(leg, out SupervisionSession? session))
                {
                    session.Post(() => RenewLeaseAsync(session));
                }
            },
            null,
            coordination.RenewInterval,
            coordination.RenewInterval);
        if (_leases.TryGetValue(leg, out HeldLease? previous))
        {
            previous.Renewal.Dispose();
        }

        _leases[leg] = new HeldLease(lease, renewal, asked);
    }

    /// <summary>
    /// Stops acting on a supervision whose lease this replica lost: no command, no audit, no release (the lease is
    /// someone else's now). The other replica runs it.
    /// </summary>
    private void DropFencedOff(SupervisionSession session)
    {
        ControllerLog.LeaseLost(_logger);
        if (_leases.TryRemove(session.SupervisorLegId, out HeldLease? held))
        {
            held.Renewal.Dispose();
        }

        _sessions.TryRemove(session.SupervisorLegId, out _);
        session.IsEnded = true;
        session.Close();
    }

    /// <summary>Gives the leg's lease back at the end of its supervision (or refusal); observed, never awaited on the way out.</summary>
    private void ReleaseLease(SupervisionSession session) => ReleaseLease(session.SupervisorLegId);

    private void ReleaseLease(string legId)
    {
        if (_coordination is not { } coordination || !_leases.TryRemove(legId, out HeldLease? held))
        {
            return;
        }

        held.Renewal.Dispose();
        Observe(coordination.Coordinator.ReleaseAsync(held.Lease, CancellationToken.None).AsTask());
    }

    /// <summary>
    /// On dispose: no more renewals or sweeps. Leases are not released: they run out, and another replica adopts the
    /// supervisions within the lease time, exactly as if this process had died.
    /// </summary>
    private void StopCoordination()
    {
        Interlocked.Exchange(ref _orphanSweep, null)?.Dispose();
        StopArrivalRetries();
        foreach (HeldLease held in _leases.Values)
        {
            held.Renewal.Dispose();
        }

        _leases.Clear();
    }

    private SupervisionLeaseKey LeaseKeyOf(SupervisionSession session)
        => new(_cluster?.LocalSwitch ?? SupervisionLeaseKey.SingleSwitch, session.SupervisorLegId);

    private enum LeadCheck
    {
        Leading,
        FencedOff,
        Unknown,
    }

    private sealed record ReplicaCoordination(ISupervisionCoordinator Coordinator, string ReplicaId, TimeSpan LeaseTime, TimeSpan RenewInterval, TimeSpan RefusalSettleWindow);

    /// <summary>A lease this replica holds; <c>ConfirmedAt</c>: the timestamp from before the request that granted or last renewed it.</summary>
    private sealed record HeldLease(SupervisionLease Lease, ITimer Renewal, long ConfirmedAt);
}

/// <content>Log messages of replica coordination (3200-3209).</content>
internal static partial class ControllerLog
{
    [LoggerMessage(3200, LogLevel.Debug, "Service-code call left to replica {Owner}, which holds its lease")]
    public static partial void LeaseHeldElsewhere(ILogger logger, string owner);

    [LoggerMessage(3201, LogLevel.Warning, "Replica coordination unavailable ({Reason}): new supervisions are refused, running ones go on")]
    public static partial void CoordinationUnavailable(ILogger logger, string reason);

    [LoggerMessage(3202, LogLevel.Warning, "A supervision's lease was lost to another replica; this replica stops acting on it")]
    public static partial void LeaseLost(ILogger logger);

    [LoggerMessage(3203, LogLevel.Information, "A running supervision has no replica holding its lease any more: adopting it")]
    public static partial void OrphanFound(ILogger logger);
}
