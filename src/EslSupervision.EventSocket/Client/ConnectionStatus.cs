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

    public EslConnectionHealth Snapshot(EslConnectionState state, TimeSpan? sinceLastFrame, string? deathReason)
    {
        lock (_gate)
        {
            return new EslConnectionHealth(state, _disconnectedSince, _lastError, _authenticationRefused, _failedAttempts, sinceLastFrame, deathReason);
        }
    }
}
