using System.Runtime.CompilerServices;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// One reused array the read thread receives into, holding the bodies of the events cut from it while they wait in
/// the library's buffers. It goes back to its pool only when every body cut from it has been released (copied out by
/// a consumer, or dropped unread) and the read thread has moved on to another chunk: until then nothing writes into
/// the bytes of those bodies again.
/// </summary>
internal sealed class BodyChunk
{
    private readonly BodyChunkPool _pool;

    // 1 while the read thread still receives into this chunk, plus 1 per body not yet released.
    private int _references;

    public BodyChunk(BodyChunkPool pool, int size)
    {
        _pool = pool;
        Data = GC.AllocateUninitializedArray<byte>(size);
    }

    public byte[] Data { get; }

    /// <summary>Bodies still using this chunk, plus one while the read thread receives into it.</summary>
    internal int References => Volatile.Read(ref _references);

    /// <summary>Called by the pool when the chunk is rented (the renter's reference).</summary>
    internal void Reset() => Volatile.Write(ref _references, 1);

    /// <summary>One more body lives in this chunk.</summary>
    internal void AddBody() => Interlocked.Increment(ref _references);

    /// <summary>A body (or the renter) is done with the chunk; the last one returns it to the pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
