namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// One message from the switch: its content type, its envelope headers (kept only for frames whose
/// envelope means something: replies, notices, log lines) and exactly Content-Length bytes of body.
/// </summary>
/// <remarks>
/// The body is either its own array or, for a plain event cut where the read thread received it, a slice of that
/// chunk (<see cref="Chunk"/>): such a frame is turned into an event at once and never kept.
/// </remarks>
internal sealed class EslFrame
{
    private static readonly byte[] NoBody = [];

    private readonly byte[] _body;

    public EslFrame(EslContentType type, HeaderBlock? envelope, byte[]? body)
    {
        Type = type;
        Envelope = envelope;
        _body = body ?? NoBody;
        BodyLength = _body.Length;
    }

    public EslFrame(EslContentType type, BodyChunk chunk, int offset, int length)
    {
        Type = type;
        _body = chunk.Data;
        Chunk = chunk;
        BodyOffset = offset;
        BodyLength = length;
    }

    public EslContentType Type { get; }

    /// <summary>The envelope headers; null for event frames, whose envelope is only Content-Length and Content-Type.</summary>
    public HeaderBlock? Envelope { get; }

    /// <summary>The body as its own array; only for frames not cut into a chunk.</summary>
    public byte[] Body => Chunk is null ? _body : throw new InvalidOperationException("The body of this frame lives in a shared chunk: use BodySpan.");

    /// <summary>The chunk the body was cut into, or null when the frame owns <see cref="Body"/>.</summary>
    public BodyChunk? Chunk { get; }

    public int BodyOffset { get; }

    public int BodyLength { get; }

    public ReadOnlySpan<byte> BodySpan => _body.AsSpan(BodyOffset, BodyLength);

    public string? Header(string name)
    {
        if (Envelope is null)
        {
            return null;
        }

        return Envelope.Find(default, name);
    }

    public string BodyText => System.Text.Encoding.UTF8.GetString(BodySpan);
}
