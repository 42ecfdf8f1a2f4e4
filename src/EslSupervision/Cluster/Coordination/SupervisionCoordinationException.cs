namespace EslSupervision.Cluster;

/// <summary>
/// The coordinator could not answer: its store is unreachable, did not answer in time, or failed. Nothing was
/// decided: the caller must act as if it held no lease (no new supervision, no action on a running one).
/// </summary>
/// <remarks>Public because every <see cref="ISupervisionCoordinator"/> call may throw it, and custom coordinators throw it too.</remarks>
public sealed class SupervisionCoordinationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SupervisionCoordinationException()
        : base("The supervision coordinator is unavailable.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed; never a connection string or password.</param>
    public SupervisionCoordinationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What failed; never a connection string or password.</param>
    /// <param name="innerException">The store's own error.</param>
    public SupervisionCoordinationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
