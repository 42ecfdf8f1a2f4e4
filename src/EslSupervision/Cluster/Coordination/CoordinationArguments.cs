namespace EslSupervision.Cluster;

/// <summary>Argument checks shared by every <see cref="ISupervisionCoordinator"/> implementation, so that they refuse the same input.</summary>
public static class CoordinationArguments
{
    /// <summary>The longest lease accepted.</summary>
    public static readonly TimeSpan MaxLeaseTime = TimeSpan.FromMinutes(10);

    /// <summary>The longest replica id accepted.</summary>
    public const int MaxOwnerLength = 64;

    /// <summary>Whether <paramref name="owner"/> is a replica id: 1-64 of <c>A-Z a-z 0-9 . _ -</c>, starting with a letter or digit.</summary>
    /// <param name="owner">The text.</param>
    public static bool IsOwner(string? owner)
    {
        if (string.IsNullOrEmpty(owner) || owner.Length > MaxOwnerLength || !char.IsAsciiLetterOrDigit(owner[0]))
        {
            return false;
        }

        foreach (char c in owner)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws unless <paramref name="owner"/> passes <see cref="IsOwner"/>.</summary>
    /// <param name="owner">The replica id.</param>
    /// <exception cref="ArgumentException">It does not.</exception>
    public static void ThrowIfNotOwner(string owner)
    {
        if (!IsOwner(owner))
        {
            throw new ArgumentException("A replica id is 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit.", nameof(owner));
        }
    }

    /// <summary>Throws unless <paramref name="leaseTime"/> is more than zero and at most <see cref="MaxLeaseTime"/>.</summary>
    /// <param name="leaseTime">The lease time.</param>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static void ThrowIfNotLeaseTime(TimeSpan leaseTime)
    {
        if (leaseTime <= TimeSpan.Zero || leaseTime > MaxLeaseTime)
        {
            throw new ArgumentOutOfRangeException(nameof(leaseTime), leaseTime, "A lease time is more than zero and at most 10 minutes.");
        }
    }
}
