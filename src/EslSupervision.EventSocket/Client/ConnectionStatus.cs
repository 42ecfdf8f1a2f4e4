namespace EslSupervision.EventSocket.Client;

/// <summary>
/// What a health check needs to say why a client is not connected: since when, the last error, whether the
/// switch refused the credentials. Messages only; never the password (the client's messages never carry it).
/// </summary>
internal sealed class ConnectionStatus
{
    private readonly object _gate = new();
    private DateTimeOffset? _disconnectedSince;
    private string? _lastError;
    private bool _authenticationRefused;
    private int _failedAttempts;

    public ConnectionStatus(DateTimeOffset now) => _disconnectedSince = now;

    public void Connected()
    {
        lock (_gate)
        {
            _disconnectedSince = null;
            _lastError = null;
            _authenticationRefused = false;
            _failedAttempts = 0;
        }
    }

    public void Lost(Exception? reason, DateTimeOffset now)
    {
        lock (_gate)
        {
            _disconnectedSince ??= now;
            _lastError = reason?.Message ?? "the connection was closed";
        }
    }

    public void AttemptFailed(Exception error, DateTimeOffset now)
    {
        lock (_gate)
        {
            _disconnectedSince ??= now;
            _lastError = error.Message;
            _authenticationRefused = error is EslAuthenticationException;
            _failedAttempts++;
        }
    }

    public EslInboundHealth Snapshot(EslConnectionState state, TimeSpan? sinceLastFrame, string? deathReason)
    {
        lock (_gate)
        {
            return new EslInboundHealth(state, _disconnectedSince, _lastError, _authenticationRefused, _failedAttempts, sinceLastFrame, deathReason);
        }
    }
}

/// <summary>A point-in-time view of an inbound client's connection, for health checks.</summary>
/// <param name="State">The connection state.</param>
/// <param name="DisconnectedSince">When the client last had no connection; null while connected.</param>
/// <param name="LastError">Why the last attempt failed or the connection was lost; null while connected.</param>
/// <param name="AuthenticationRefused">The last attempt failed because the switch refused the credentials.</param>
/// <param name="FailedAttempts">Failed connection attempts since the last successful one.</param>
/// <param name="SinceLastFrame">How long ago anything arrived on the open connection; null when none is open.</param>
/// <param name="LastDeathReason">Why the client last declared a connection dead (<c>silence</c>, <c>command_timeouts</c>).</param>
internal sealed record EslInboundHealth(
    EslConnectionState State,
    DateTimeOffset? DisconnectedSince,
    string? LastError,
    bool AuthenticationRefused,
    int FailedAttempts,
    TimeSpan? SinceLastFrame,
    string? LastDeathReason);
