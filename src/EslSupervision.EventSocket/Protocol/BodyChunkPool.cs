namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// The reused arrays an inbound connection's read thread receives into (<see cref="Client.ReceiveBuffer"/>). The plain
/// events cut from a read keep their bytes where they arrived while they wait for consumers, so an event is not copied
/// on its way in; a consumer that keeps an event copies it out when it takes it (<see cref="EslEvent"/> then owns its
/// bytes for good). The GC therefore sees only short-lived copies, never the thousands of bodies a buffer can hold.
/// </summary>
/// <remarks>
/// The read thread alone rents; <see cref="BodyChunk.Release"/> may come from any thread. A chunk returns only once
/// every body cut from it was released and the read thread has moved on, so a reused chunk is never read by an event.
/// A chunk whose bodies are never released (a bug, or an event dropped without being told) is simply left to the GC:
/// that costs an allocation, never another event's bytes.
/// </remarks>
internal sealed class BodyChunkPool
{
    /// <summary>
    /// The size of a pooled chunk: a few dozen real events per read, and few enough reads (one system call per
    /// 256 KiB) that the socket is not the cost.
    /// </summary>
    public const int ChunkSize = 256 * 1024;

    private readonly Stack<BodyChunk> _free = new();
    private readonly int _maxFree;
    private long _created;

    /// <param name="maxFree">
    /// Most idle chunks kept for reuse; more go back to the GC. A chunk is created only when none is idle, so the
    /// pool holds at most the chunks that were in use at once (bounded by the buffers' byte bounds).
    /// </param>
    public BodyChunkPool(int maxFree = 128) => _maxFree = maxFree;

    /// <summary>Chunks allocated so far (reuse keeps this flat).</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Idle chunks ready for reuse.</summary>
    public int FreeCount
    {
        get
        {
            lock (_free)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>
    /// A chunk of at least <paramref name="minimumSize"/> bytes, with one reference: the renter's, given back with
    /// <see cref="BodyChunk.Release"/>. Larger than <see cref="ChunkSize"/> means an array of its own, never pooled
    /// (a frame larger than a chunk is rare, and the frame reader's limits bound it).
    /// </summary>
    public BodyChunk Rent(int minimumSize)
    {
        BodyChunk? chunk = null;
        if (minimumSize <= ChunkSize)
        {
            lock (_free)
            {
                _free.TryPop(out chunk);
            }
        }

        if (chunk is null)
        {
            chunk = new BodyChunk(this, Math.Max(minimumSize, ChunkSize));
            Interlocked.Increment(ref _created);
        }

        chunk.Reset();
        return chunk;
    }

    internal void Return(BodyChunk chunk)
    {
        if (chunk.Data.Length != ChunkSize)
        {
            return;
        }

        lock (_free)
        {
            if (_free.Count < _maxFree)
            {
                _free.Push(chunk);
            }
        }
    }
}
