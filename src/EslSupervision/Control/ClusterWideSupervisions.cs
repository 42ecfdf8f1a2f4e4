using EslSupervision.Cluster;
using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <summary>
/// The running supervisions of every replica: this process's own list merged with the coordinator's leases (each
/// running supervision holds one, with its details). Shared by <see cref="SupervisionController"/> and
/// <see cref="SupervisionCluster"/>, so both answer the same way.
/// </summary>
internal static class ClusterWideSupervisions
{
    /// <summary>
    /// Lists every running supervision once, by the supervisor's own leg. A supervision this process runs is taken
    /// from its own list (fresher than the lease's details), unless the lease names another replica: then this
    /// process was fenced off and has not noticed yet, and the lease is the truth about who runs it. A lease whose
    /// supervision is not running yet (a decision in progress: no agent leg or mode) is left out.
    /// </summary>
    /// <exception cref="SupervisionCoordinationException">The coordinator could not answer.</exception>
    public static async ValueTask<IReadOnlyList<SupervisionInfo>> ListAsync(
        ISupervisionCoordinator coordinator,
        IReadOnlyList<SupervisionInfo> local,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<SupervisionLeaseRecord> leases = await coordinator.ListActiveAsync(cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<string, SupervisionInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (SupervisionInfo mine in local)
        {
            merged[mine.SupervisorLegId] = mine;
        }

        foreach (SupervisionLeaseRecord lease in leases)
        {
            if (FromLease(lease) is not { } listed)
            {
                continue;
            }

            if (!merged.TryGetValue(listed.SupervisorLegId, out SupervisionInfo? known) || !string.Equals(known.Replica, listed.Replica, StringComparison.Ordinal))
            {
                merged[listed.SupervisorLegId] = listed;
            }
        }

        return [.. merged.Values.OrderBy(s => s.Since).ThenBy(s => s.SupervisorLegId, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// The answer for a switch or end asked of a process that does not run the supervision: which replica does
    /// (<see cref="DenialReason.RunByAnotherReplica"/>), or <see cref="DenialReason.NoSuchSupervision"/>.
    /// </summary>
    public static async Task<PermissionDecision> NotRunHereAsync(
        ISupervisionCoordinator coordinator,
        string replicaId,
        string supervisorLegId,
        CancellationToken cancellationToken)
    {
        try
        {
            foreach (SupervisionLeaseRecord lease in await coordinator.ListActiveAsync(cancellationToken).ConfigureAwait(false))
            {
                if (FromLease(lease) is { } listed
                    && string.Equals(listed.SupervisorLegId, supervisorLegId, StringComparison.OrdinalIgnoreCase)
                    && !string.Equals(listed.Replica, replicaId, StringComparison.Ordinal))
                {
                    return PermissionDecision.Deny(DenialReason.RunByAnotherReplica, $"Replica {listed.Replica} runs this supervision; only it can switch or end it.");
                }
            }

            return NoSuchSupervision;
        }
        catch (SupervisionCoordinationException)
        {
            return PermissionDecision.Deny(DenialReason.NoSuchSupervision, "No supervision runs on that leg on this replica (the coordinator is unavailable to say whether another replica runs one).");
        }
    }

    public static PermissionDecision NoSuchSupervision { get; } = PermissionDecision.Deny(DenialReason.NoSuchSupervision, "No supervision runs on that leg.");

    /// <summary>A lease as a listed supervision; <see langword="null"/> while it is not running or when a recorded id is malformed.</summary>
    internal static SupervisionInfo? FromLease(SupervisionLeaseRecord lease)
    {
        SupervisionLeaseDetails details = lease.Details;
        string supervisorLeg = details.SupervisorLegId ?? lease.Lease.Key.LegId;
        if (details is not { AgentLegId: { } agentLeg, Mode: { } mode }
            || !EslIdentifiers.IsChannelUuid(agentLeg)
            || !EslIdentifiers.IsChannelUuid(supervisorLeg)
            || (details.SupervisorSwitch is { } s && !ClusterText.IsSwitchName(s))
            || (details.AgentSwitch is { } a && !ClusterText.IsSwitchName(a)))
        {
            return null;
        }

        string? keySwitch = lease.Lease.Key.Switch == SupervisionLeaseKey.SingleSwitch ? null : lease.Lease.Key.Switch;
        return new SupervisionInfo(supervisorLeg, details.Supervisor, agentLeg, details.Agent, mode, details.Since ?? default)
        {
            SupervisorSwitch = details.SupervisorSwitch ?? keySwitch,
            AgentSwitch = details.AgentSwitch,
            Replica = lease.Lease.Owner,
        };
    }
}
