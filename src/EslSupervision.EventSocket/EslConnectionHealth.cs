namespace EslSupervision.EventSocket;

/// <summary>
/// A point-in-time view of an inbound client's connection, for health checks and dashboards: whether it is up,
/// since when it is down and why, and how recently the switch was heard from. Carries no endpoint, user or password.
/// </summary>
/// <param name="State">The connection state.</param>
/// <param name="DisconnectedSince">When the client last had no connection; null while connected.</param>
/// <param name="LastError">Why the last attempt failed or the connection was lost; null while connected.</param>
/// <param name="AuthenticationRefused">The last attempt failed because the switch refused the credentials.</param>
/// <param name="FailedAttempts">Failed connection attempts since the last successful one.</param>
/// <param name="SinceLastFrame">How long ago anything (an event, a reply, a heartbeat) arrived on the open connection; null when none is open.</param>
/// <param name="LastDeathReason">Why the client last declared a connection dead (<c>silence</c>, <c>command_timeouts</c>), or null.</param>
public sealed record EslConnectionHealth(
    EslConnectionState State,
    DateTimeOffset? DisconnectedSince,
    string? LastError,
    bool AuthenticationRefused,
    int FailedAttempts,
    TimeSpan? SinceLastFrame,
    string? LastDeathReason);
