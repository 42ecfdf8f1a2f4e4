namespace EslSupervision.EventSocket;

/// <summary>The outcome of a <c>bgapi</c> command, from its <c>BACKGROUND_JOB</c> event.</summary>
public sealed class EslBackgroundJobResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="jobUuid">The job's UUID.</param>
    /// <param name="body">The command's output.</param>
    public EslBackgroundJobResult(string jobUuid, string body)
    {
        JobUuid = jobUuid;
        Body = body ?? string.Empty;
    }

    /// <summary>The job's UUID (chosen by the client).</summary>
    public string JobUuid { get; }

    /// <summary>The command's output.</summary>
    public string Body { get; }

    /// <summary>Whether the command reported an error (its output starts with <c>-ERR</c>).</summary>
    public bool IsError => Body.StartsWith("-ERR", StringComparison.Ordinal);
}
