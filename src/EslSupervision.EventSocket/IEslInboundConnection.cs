namespace EslSupervision.EventSocket;

/// <summary>
/// An <see cref="IEslConnection"/> that connects to the switch itself and reports why it is (not) connected:
/// what a host needs to start a connection and to report its health. Implemented by <see cref="EslInboundClient"/>.
/// </summary>
/// <remarks>
/// Public because it is a replacement point: the supervision host (<c>AddEslSupervision</c>) connects whatever
/// <see cref="IEslInboundConnection"/> is registered, so an application can bring its own connection (one it
/// already shares, a wrapper with its own policies, a test double) with
/// <c>services.AddSingleton&lt;IEslInboundConnection&gt;(mine)</c>.
/// </remarks>
public interface IEslInboundConnection : IEslConnection
{
    /// <summary>Connects and authenticates once; a failure is thrown.</summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="EslAuthenticationException">The switch refused the credentials.</exception>
    /// <exception cref="EslConnectionException">The switch could not be reached.</exception>
    Task ConnectAsync(CancellationToken cancellationToken = default);

    /// <summary>Connects, retrying failed attempts (with a backoff) until one succeeds.</summary>
    /// <param name="cancellationToken">Stops trying.</param>
    /// <exception cref="OperationCanceledException">Cancelled, or the connection was disposed, before it was made.</exception>
    Task ConnectUntilConnectedAsync(CancellationToken cancellationToken);

    /// <summary>Why the connection is (not) connected, now: for health checks and dashboards.</summary>
    /// <returns>A snapshot; it does not change afterwards.</returns>
    EslConnectionHealth GetHealth();
}
