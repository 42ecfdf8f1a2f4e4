namespace EslSupervision.EventSocket;

/// <summary>Settings for one <see cref="IEslConnection.ExecuteAsync"/> call.</summary>
public sealed class EslExecuteOptions
{
    /// <summary>The <c>Event-UUID</c> to send; a new one is made when <see langword="null"/>.</summary>
    public string? EventUuid { get; init; }

    /// <summary>Sends <c>event-lock: true</c>, so queued applications run one at a time, in order.</summary>
    public bool EventLock { get; init; }
}
