namespace EslSupervision.Cluster;

/// <summary>
/// Coordinates controller replicas: a lease with a fencing token per supervisor leg, so that exactly one replica
/// acts on a supervision, and a shared list of running supervisions, so that any replica can answer for the cluster
/// and adopt a supervision whose replica died.
/// </summary>
/// <remarks>
/// <para>Public so that a deployment can replace it. The default, <see cref="InMemorySupervisionCoordinator"/>, serves a
/// single controller process; the <c>EslSupervision.Redis</c> package shares leases between replicas in Redis.</para>
/// <para>Contract (every implementation, checked by the same tests):</para>
/// <list type="bullet">
/// <item>Each call is atomic: of two replicas acquiring a free key at once, exactly one gets it.</item>
/// <item>A lease is held until its expiry unless renewed or released. After expiry anyone may acquire it; the new
/// acquisition's fence is larger than every earlier fence of that key, so the old holder's
/// <see cref="RenewAsync"/>, <see cref="ReleaseAsync"/> and <see cref="IsCurrentAsync"/> answer no.</item>
/// <item>An expired lease is not renewable even if nobody took it over: its holder must acquire it again.</item>
/// <item>When the store cannot answer, a call throws <see cref="SupervisionCoordinationException"/> within the
/// implementation's timeout. It never answers yes when unsure: callers fail closed.</item>
/// </list>
/// <para>Expiry is judged with the calling replica's clock: replicas' clocks should agree to well within the lease
/// time (NTP). Skew only moves when a takeover may happen; fencing keeps a late holder from acting either way.</para>
/// </remarks>
public interface ISupervisionCoordinator
{
    /// <summary>Takes the lease on <paramref name="key"/> for <paramref name="owner"/> if nobody holds it.</summary>
    /// <param name="key">The supervisor leg.</param>
    /// <param name="owner">The replica asking: 1-64 of <c>A-Z a-z 0-9 . _ -</c>.</param>
    /// <param name="leaseTime">How long the lease holds unless renewed (more than zero, at most 10 minutes).</param>
    /// <param name="details">What to record about the supervision for the cluster-wide list.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new lease, or the current holder (possibly <paramref name="owner"/> itself: a lease is never granted twice).</returns>
    /// <exception cref="SupervisionCoordinationException">The store could not answer.</exception>
    ValueTask<SupervisionLeaseResult> TryAcquireAsync(
        SupervisionLeaseKey key,
        string owner,
        TimeSpan leaseTime,
        SupervisionLeaseDetails details,
        CancellationToken cancellationToken = default);

    /// <summary>Extends a lease still held with the same fence and not expired, optionally updating its details.</summary>
    /// <param name="lease">The lease held.</param>
    /// <param name="leaseTime">How long from now it holds.</param>
    /// <param name="details">New details to record, or <see langword="null"/> to keep them.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The renewed lease (same fence), or <see langword="null"/> when it was lost (expired, released, taken over).</returns>
    /// <exception cref="SupervisionCoordinationException">The store could not answer.</exception>
    ValueTask<SupervisionLease?> RenewAsync(
        SupervisionLease lease,
        TimeSpan leaseTime,
        SupervisionLeaseDetails? details = null,
        CancellationToken cancellationToken = default);

    /// <summary>Gives a lease up, if it is still held with the same fence.</summary>
    /// <param name="lease">The lease held.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was still held and is now released.</returns>
    /// <exception cref="SupervisionCoordinationException">The store could not answer.</exception>
    ValueTask<bool> ReleaseAsync(SupervisionLease lease, CancellationToken cancellationToken = default);

    /// <summary>Reads who holds <paramref name="key"/> now.</summary>
    /// <param name="key">The supervisor leg.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The holder, or <see langword="null"/> when the lease is free or expired.</returns>
    /// <exception cref="SupervisionCoordinationException">The store could not answer.</exception>
    ValueTask<SupervisionLeaseRecord?> GetHolderAsync(SupervisionLeaseKey key, CancellationToken cancellationToken = default);

    /// <summary>Lists every unexpired lease of the cluster with its details: the cluster's running supervisions.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The leases, in no particular order.</returns>
    /// <exception cref="SupervisionCoordinationException">The store could not answer.</exception>
    ValueTask<IReadOnlyList<SupervisionLeaseRecord>> ListActiveAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <paramref name="fence"/> is still the current, unexpired fence of <paramref name="key"/>. Asked right
    /// before every action on the switch; anything but <see langword="true"/> means: do not act.
    /// </summary>
    /// <param name="key">The supervisor leg.</param>
    /// <param name="fence">The fence of the lease the caller holds.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="SupervisionCoordinationException">The store could not answer (do not act).</exception>
    ValueTask<bool> IsCurrentAsync(SupervisionLeaseKey key, long fence, CancellationToken cancellationToken = default);
}
