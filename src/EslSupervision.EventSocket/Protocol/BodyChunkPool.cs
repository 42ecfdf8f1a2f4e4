namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// Where one connection's read loop puts the bodies of plain events while they wait for consumers: small bodies
/// are packed one after another into reused 64 KiB chunks instead of each getting a new array. A consumer copies
/// its event out when it takes it (<see cref="EslEvent"/> then owns its bytes for good), so the GC only sees
/// short-lived copies and never the thousands of bodies a buffer can hold; those were what the gen0/gen1
/// collections kept copying.
/// </summary>
/// <remarks>
/// The read loop alone calls <see cref="TryReserve"/>; <see cref="BodyChunk.Release"/> may come from any thread.
/// A chunk is reused only after every body cut from it was released, so a reused chunk is never read by an
/// event. A chunk whose bodies are never released (a bug, or an event dropped without being told) is simply
/// left to the GC: that costs an allocation, never another event's bytes.
/// </remarks>
internal sealed class BodyChunkPool
{
    /// <summary>Below the large-object threshold, so a chunk the GC has to take back is an ordinary young object.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>Larger bodies get their own array, so one chunk always holds several bodies.</summary>
    public const int MaxPooledBody = 16 * 1024;

    private readonly Stack<BodyChunk> _free = new();
    private readonly int _maxFree;
    private BodyChunk? _current;
    private long _created;

    /// <param name="maxFree">
    /// Most idle chunks kept for reuse; more go back to the GC. A chunk is created only when none is idle, so the
    /// pool never holds more than the most bodies that were waiting at once (bounded by the buffers' byte bounds);
    /// a smaller cap would make a full buffer draining and refilling allocate chunks over and over.
    /// </param>
    public BodyChunkPool(int maxFree = 4096) => _maxFree = maxFree;

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
    /// Reserves <paramref name="length"/> bytes for one body and counts it against its chunk (released with
    /// <see cref="BodyChunk.Release"/>). False for bodies too large to pool: the caller allocates its own array.
    /// </summary>
    public bool TryReserve(int length, out BodyChunk chunk, out int offset)
    {
        if (length <= 0 || length > MaxPooledBody)
        {
            chunk = null!;
            offset = 0;
            return false;
        }

        BodyChunk? current = _current;
        if (current is null || ChunkSize - current.Used < length)
        {
            // Moving on: the pool's own reference goes, so the old chunk returns once its bodies are released.
            current?.Release();
            current = _current = Take();
        }

        chunk = current;
        offset = current.Used;
        current.Used += length;
        current.AddBody();
        return true;
    }

    /// <summary>Gives up the chunk being filled (the connection is closing); it returns once its bodies are released.</summary>
    public void Close()
    {
        _current?.Release();
        _current = null;
    }

    internal void Return(BodyChunk chunk)
    {
        lock (_free)
        {
            if (_free.Count < _maxFree)
            {
                _free.Push(chunk);
            }
        }
    }

    private BodyChunk Take()
    {
        BodyChunk? chunk = null;
        lock (_free)
        {
            _free.TryPop(out chunk);
        }

        if (chunk is null)
        {
            chunk = new BodyChunk(this, ChunkSize);
            Interlocked.Increment(ref _created);
        }

        chunk.Reset();
        return chunk;
    }
}
