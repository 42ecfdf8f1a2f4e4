namespace EslSupervision.Cluster;

/// <summary>
/// A lease held by one replica: the right to act on one supervisor leg until <see cref="ExpiresAt"/>, proven by
/// <see cref="Fence"/>.
/// </summary>
/// <remarks>
/// Public because <see cref="ISupervisionCoordinator"/> hands it out and takes it back. The fence is what makes a
/// lease safe against a replica that paused (garbage collection, a stopped VM) past its expiry: every acquisition
/// of a key gets a larger fence than any before it, and a holder checks
/// <see cref="ISupervisionCoordinator.IsCurrentAsync"/> with its fence right before each action, so a replica whose
/// lease was taken over is refused even if it still believes it holds it.
/// </remarks>
/// <param name="Key">The supervisor leg.</param>
/// <param name="Owner">The replica holding it.</param>
/// <param name="Fence">The fencing token of this acquisition: larger than every earlier one for the same key.</param>
/// <param name="ExpiresAt">Until when it holds unless renewed.</param>
public sealed record SupervisionLease(SupervisionLeaseKey Key, string Owner, long Fence, DateTimeOffset ExpiresAt);

/// <summary>A lease as stored: who holds it, its fence and expiry, and what the holder recorded about the supervision.</summary>
/// <remarks>Public because <see cref="ISupervisionCoordinator.GetHolderAsync"/> and <see cref="ISupervisionCoordinator.ListActiveAsync"/> return it.</remarks>
/// <param name="Lease">The lease.</param>
/// <param name="Details">What the holder recorded.</param>
public sealed record SupervisionLeaseRecord(SupervisionLease Lease, SupervisionLeaseDetails Details);

/// <summary>The answer to <see cref="ISupervisionCoordinator.TryAcquireAsync"/>: the lease, or who holds it.</summary>
/// <remarks>Public because <see cref="ISupervisionCoordinator.TryAcquireAsync"/> returns it.</remarks>
public sealed record SupervisionLeaseResult
{
    private SupervisionLeaseResult(SupervisionLease? lease, SupervisionLeaseRecord? holder)
    {
        Lease = lease;
        Holder = holder;
    }

    /// <summary>The lease, when this caller got it; otherwise <see langword="null"/>.</summary>
    public SupervisionLease? Lease { get; }

    /// <summary>The current holder, when the lease was already held (possibly by the same owner); otherwise <see langword="null"/>.</summary>
    public SupervisionLeaseRecord? Holder { get; }

    /// <summary>Whether this caller got the lease.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Lease))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Holder))]
    public bool Acquired => Lease is not null;

    /// <summary>The lease was free and is now the caller's.</summary>
    /// <param name="lease">The new lease.</param>
    public static SupervisionLeaseResult Granted(SupervisionLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return new SupervisionLeaseResult(lease, null);
    }

    /// <summary>The lease is held by <paramref name="holder"/>.</summary>
    /// <param name="holder">The current holder.</param>
    public static SupervisionLeaseResult HeldBy(SupervisionLeaseRecord holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        return new SupervisionLeaseResult(null, holder);
    }
}
