namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// One reused array holding the bodies of several consecutive events while they wait in the library's buffers.
/// It goes back to its pool only when every body cut from it has been released (copied out by a consumer, or
/// dropped unread) and the pool has moved on to another chunk: until then nothing writes into it again.
/// </summary>
internal sealed class BodyChunk
{
    private readonly BodyChunkPool _pool;

    // 1 while the pool still cuts bodies from this chunk, plus 1 per body not yet released.
    private int _references;

    public BodyChunk(BodyChunkPool pool, int size)
    {
        _pool = pool;
        Data = GC.AllocateUninitializedArray<byte>(size);
    }

    public byte[] Data { get; }

    /// <summary>Bytes already handed out (only the pool's reader thread touches this).</summary>
    internal int Used { get; set; }

    /// <summary>Bodies still using this chunk, plus one while the pool cuts from it (for tests and assertions).</summary>
    internal int References => Volatile.Read(ref _references);

    /// <summary>Called by the pool when the chunk becomes its current one (the pool's own reference).</summary>
    internal void Reset()
    {
        Used = 0;
        Volatile.Write(ref _references, 1);
    }

    /// <summary>One more body lives in this chunk.</summary>
    internal void AddBody() => Interlocked.Increment(ref _references);

    /// <summary>A body (or the pool's own reference) is done with the chunk; the last one returns it to the pool.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            _pool.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A body chunk was released more often than it was shared.");
        }
    }
}
