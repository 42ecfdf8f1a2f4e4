namespace EslSupervision.EventSocket;

/// <summary>
/// An API command named a channel the switch does not have (any more): <c>-ERR No such channel!</c>,
/// <c>-ERR No Such Channel!</c> or, from <c>uuid_bridge</c>, <c>-ERR Invalid uuid</c>.
/// </summary>
public sealed class EslNoSuchChannelException : EslCommandException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="command">The API command, e.g. <c>uuid_transfer</c>.</param>
    /// <param name="uniqueId">The channel the command named (for <c>uuid_bridge</c>, the first of the two).</param>
    /// <param name="replyText">The switch's reply.</param>
    public EslNoSuchChannelException(string command, string uniqueId, string replyText)
        : base(command, replyText, $"'{command}': the switch has no channel {uniqueId} ({replyText}).")
    {
        UniqueId = uniqueId;
    }

    /// <summary>The channel the command named.</summary>
    public string UniqueId { get; }
}
