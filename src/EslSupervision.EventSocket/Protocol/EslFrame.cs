namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// One message from the switch: its content type, its envelope headers (kept only for frames whose
/// envelope means something: replies, notices, log lines) and exactly Content-Length bytes of body.
/// </summary>
internal sealed class EslFrame
{
    private static readonly byte[] NoBody = [];

    public EslFrame(EslContentType type, HeaderBlock? envelope, byte[]? body)
    {
        Type = type;
        Envelope = envelope;
        Body = body ?? NoBody;
    }

    public EslContentType Type { get; }

    /// <summary>The envelope headers; null for event frames, whose envelope is only Content-Length and Content-Type.</summary>
    public HeaderBlock? Envelope { get; }

    public byte[] Body { get; }

    public string? Header(string name)
    {
        if (Envelope is null)
        {
            return null;
        }

        return Envelope.Find(default, name);
    }

    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}
