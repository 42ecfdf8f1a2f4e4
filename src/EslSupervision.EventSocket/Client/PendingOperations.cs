namespace EslSupervision.EventSocket.Client;

/// <summary>A command waiting for its reply. It stays in the reply queue even after its caller gave up, so order holds.</summary>
internal sealed class PendingReply : TaskCompletionSource<Protocol.EslFrame>
{
    public PendingReply(string command, long startedAt)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Command = command;
        StartedAt = startedAt;
    }

    public string Command { get; }

    public long StartedAt { get; }

    /// <summary>Set when the caller stopped waiting (timeout or cancellation); its reply is then discarded.</summary>
    public volatile bool Abandoned;
}

/// <summary>An application queued with <c>sendmsg execute</c>, waiting for its CHANNEL_EXECUTE_COMPLETE.</summary>
internal sealed class PendingExecution : TaskCompletionSource<EslEvent>
{
    public PendingExecution(string uniqueId, string application)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        UniqueId = uniqueId;
        Application = application;
    }

    public string UniqueId { get; }

    public string Application { get; }
}
