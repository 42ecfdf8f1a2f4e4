namespace EslSupervision.EventSocket;

/// <summary>An application queued on a channel with <see cref="IEslConnection.ExecuteAsync"/>.</summary>
public sealed class EslExecution
{
    /// <summary>Creates a handle.</summary>
    /// <param name="uniqueId">The channel.</param>
    /// <param name="application">The application.</param>
    /// <param name="eventUuid">The <c>Event-UUID</c> sent with it.</param>
    /// <param name="completion">Completes with the <c>CHANNEL_EXECUTE_COMPLETE</c> event.</param>
    public EslExecution(string uniqueId, string application, string eventUuid, Task<EslEvent> completion)
    {
        UniqueId = uniqueId;
        Application = application;
        EventUuid = eventUuid;
        Completion = completion;
    }

    /// <summary>The channel's UUID.</summary>
    public string UniqueId { get; }

    /// <summary>The application.</summary>
    public string Application { get; }

    /// <summary>The <c>Event-UUID</c> sent with it; the switch reports it as <c>Application-UUID</c>.</summary>
    public string EventUuid { get; }

    /// <summary>
    /// Completes with the <c>CHANNEL_EXECUTE_COMPLETE</c> event of this execution; fails with
    /// <see cref="EslChannelGoneException"/> if the channel hangs up first or <see cref="EslConnectionException"/>
    /// if the connection is lost.
    /// </summary>
    public Task<EslEvent> Completion { get; }
}
