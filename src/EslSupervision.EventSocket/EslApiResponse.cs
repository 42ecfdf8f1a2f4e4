namespace EslSupervision.EventSocket;

/// <summary>The output of an <c>api</c> command.</summary>
public sealed class EslApiResponse
{
    /// <summary>Creates a response.</summary>
    /// <param name="body">The output exactly as the switch sent it.</param>
    public EslApiResponse(string body) => Body = body ?? string.Empty;

    /// <summary>The output exactly as the switch sent it (often ending in a newline).</summary>
    public string Body { get; }

    /// <summary>The output without its trailing newline.</summary>
    public string Text => Body.TrimEnd('\n');

    /// <summary>Whether the command reported an error (its output starts with <c>-ERR</c>).</summary>
    public bool IsError => Body.StartsWith("-ERR", StringComparison.Ordinal);

    /// <summary>A short description that does not repeat the output.</summary>
    public override string ToString() => IsError ? "api error" : $"api ok ({Body.Length} chars)";
}
