using System.Buffers;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// Where the read thread receives: straight into a pooled chunk, so the plain events cut from a read keep their bytes
/// where they arrived (the frame reader counts each against the chunk). Only the unread tail of a read (the start of a
/// frame still arriving) is ever copied, into the next chunk, when the current one has no room for another read.
/// </summary>
/// <remarks>Used by the read thread alone; the chunks it rents are released by the events cut from them.</remarks>
internal sealed class ReceiveBuffer : IDisposable
{
    /// <summary>Room a read asks for at least: fewer, larger reads.</summary>
    public const int MinimumReadSize = 64 * 1024;

    private readonly BodyChunkPool _pool;
    private BodyChunk _chunk;
    private int _start;
    private int _end;

    public ReceiveBuffer(BodyChunkPool pool)
    {
        _pool = pool;
        _chunk = pool.Rent(BodyChunkPool.ChunkSize);
    }

    /// <summary>The chunk the unread bytes live in.</summary>
    public BodyChunk Chunk => _chunk;

    /// <summary>Bytes received and not yet cut into frames.</summary>
    public int UnreadLength => _end - _start;

    /// <summary>The unread bytes, one segment over <see cref="Chunk"/>.</summary>
    public ReadOnlySequence<byte> Unread => new(_chunk.Data, _start, _end - _start);

    /// <summary>Room for the next read, at least <see cref="MinimumReadSize"/> bytes after the unread ones.</summary>
    public ArraySegment<byte> GetReadSpace()
    {
        if (_chunk.Data.Length - _end < MinimumReadSize)
        {
            MoveOn();
        }

        return new ArraySegment<byte>(_chunk.Data, _end, _chunk.Data.Length - _end);
    }

    /// <summary><paramref name="count"/> bytes were received into the space <see cref="GetReadSpace"/> gave.</summary>
    public void Advance(int count) => _end += count;

    /// <summary>Frames were cut: <paramref name="unreadLeft"/> bytes at the end are still unread.</summary>
    public void Consumed(long unreadLeft) => _start = _end - (int)unreadLeft;

    /// <summary>Gives up the current chunk; it returns to the pool once its events are released.</summary>
    public void Dispose() => _chunk.Release();

    private void MoveOn()
    {
        int unread = _end - _start;

        // Nothing unread and no event still reading this chunk: receive into it again from the start.
        if (unread == 0 && _chunk.References == 1 && _chunk.Data.Length == BodyChunkPool.ChunkSize)
        {
            _start = _end = 0;
            return;
        }

        // A frame larger than a chunk gets a chunk of its own, twice as large at each step so a frame arriving in
        // many reads is not copied over and over (the frame reader's limits bound it); once it is gone, reads go back
        // to pooled chunks.
        long needed = (long)unread + MinimumReadSize;
        long size = needed <= BodyChunkPool.ChunkSize ? needed : Math.Min(Math.Max(needed, 2L * _chunk.Data.Length), Array.MaxLength);
        if (size <= unread)
        {
            throw new EslProtocolException($"A frame of more than {unread} bytes cannot be buffered: lower MaxFrameSize.");
        }

        BodyChunk next = _pool.Rent((int)size);
        _chunk.Data.AsSpan(_start, unread).CopyTo(next.Data);
        _chunk.Release();
        _chunk = next;
        _start = 0;
        _end = unread;
    }
}
