using System.Buffers;
using System.Runtime.CompilerServices;
using EslSupervision.EventSocket.Diagnostics;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// The read loop on a thread of the connection's own (<see cref="EslConnectionSettings.DedicatedThreads"/>): a blocking
/// read straight into a pooled chunk (<see cref="ReceiveBuffer"/>), frames cut from it in place, each read's batch
/// handed over before the next read. It does what the async loop does, without a thread-pool continuation per socket
/// read and without copying an event on its way in.
/// <para>
/// When the Rx streams are delivered on this thread (<see cref="IInlineDelivery"/>), a subscriber holds the socket for
/// as long as it takes. The stall watch checks every <see cref="InlineStallPeriod"/>; a batch still being delivered
/// after a whole period ends inline delivery and hands the socket to a new read thread, so replies and events keep
/// arriving (the subscriber may be waiting for one of them). The old thread finishes its batch and ends.
/// </para>
/// </summary>
internal sealed partial class EslConnectionCore
{
    /// <summary>What the buffer starts at, and returns to once a larger frame has been read.</summary>
    private const int ReadBufferSize = 256 * 1024;

    /// <summary>Room a read asks for at least (as the pipe's minimum read size): fewer, larger reads.</summary>
    private const int MinimumReadSize = 64 * 1024;

    /// <summary>
    /// How often the stall watch looks at inline delivery; one batch seen twice held the read thread for at least this
    /// long, at most twice as long. Replies wait that long at most behind a subscriber that stalls.
    /// </summary>
    internal static readonly TimeSpan InlineStallPeriod = TimeSpan.FromMilliseconds(25);

    private Task StartReadThread()
    {
        _receive = new ReceiveBuffer(_chunks);
        StartReader(generation: 0);
        return _readEnded.Task;
    }

    /// <summary>Starts a read thread that owns the socket while <see cref="_readerGeneration"/> is <paramref name="generation"/>.</summary>
    private void StartReader(int generation)
    {
        bool endedReading = false;
        Task thread = DedicatedThread.Start("ESL socket read", () => endedReading = ReadLoop(generation), _logger);

        // Reading has ended once the thread that ended it has stopped (a replaced thread ends without ending it).
        _ = thread.ContinueWith(
            (_, state) =>
            {
                if (endedReading)
                {
                    ((EslConnectionCore)state!)._readEnded.TrySetResult();
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Reads until the connection ends (true), or until the stall watch gave the socket to a new read thread (false).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Handle
    private bool ReadLoop(int generation)
    {
        Exception? reason = null;
        ReceiveBuffer receive = _receive!;
        bool replaced = false;
        try
        {
            while (true)
            {
                // Blocks this thread only; Close disposes the stream, which ends the read with an exception.
                ArraySegment<byte> space = receive.GetReadSpace();
                int read = _stream.Read(space.Array!, space.Offset, space.Count);
                Volatile.Write(ref _lastFrame, _time.GetTimestamp());
                if (read == 0)
                {
                    if (receive.UnreadLength > 0)
                    {
                        reason = new EslConnectionException($"The connection closed in the middle of a frame ({receive.UnreadLength} bytes unread).");
                    }
                    else if (!ClosedByNotice)
                    {
                        reason = new EslConnectionException("The switch closed the connection.");
                    }

                    break;
                }

                receive.Advance(read);
                ReadOnlySequence<byte> unread = receive.Unread;
                long before = unread.Length;
                int frames = 0;
                try
                {
                    // Plain events stay in the chunk they were received into (counted against it) until consumers take them.
                    while (EslFrameReader.TryRead(ref unread, _settings.MaxFrameSize, out EslFrame? frame, receive.Chunk))
                    {
                        frames++;
                        Handle(frame!);
                    }
                }
                finally
                {
                    _metrics.FramesReceived(frames);
                    _metrics.BytesReceived(before - unread.Length);
                    receive.Consumed(unread.Length);
                }

                // Every frame of this read goes to consumers in one hand-off: one wake-up per read, not per event.
                Flush();

                // The socket and the receive buffer are the new read thread's now; this one must not touch them again.
                if (Volatile.Read(ref _readerGeneration) != generation)
                {
                    replaced = true;
                    return false;
                }

                // The final disconnect notice (or a close) cancels the lifetime: stop reading now, as the async loop does.
                if (_lifetime.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            reason = ReadFailure(ex);
        }
        finally
        {
            if (!replaced)
            {
                // As in the async loop: closed first, so a full Wait buffer is not waited for, then what was cut is handed over.
                Close(reason);
                Flush();
                replaced = Volatile.Read(ref _readerGeneration) != generation;
                if (!replaced)
                {
                    receive.Dispose();
                }
            }
        }

        return !replaced;
    }

    /// <summary>Hands the batch over, blocking this thread while a full <see cref="EslOverflowPolicy.Wait"/> buffer drains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Flush()
    {
        // This thread's own list: the stall watch gives a new read thread another one while this one is delivered.
        List<object> batch = _batch;
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            ValueTask publishing = _publish(batch, _lifetime.Token);
            if (!publishing.IsCompletedSuccessfully)
            {
                publishing.AsTask().GetAwaiter().GetResult();
            }
        }
        finally
        {
            ReleaseBatch(batch);
        }
    }

    /// <summary>The stall watch's own thread: a look every <see cref="InlineStallPeriod"/> until the connection closes or inline delivery ends.</summary>
    private void WatchForStalls()
    {
        while (true)
        {
            lock (_stallWatchGate)
            {
                if (!IsOpen)
                {
                    return;
                }

                Monitor.Wait(_stallWatchGate, InlineStallPeriod);
            }

            if (!CheckInlineStall())
            {
                return;
            }
        }
    }

    private void OnStallTimer()
    {
        if (!CheckInlineStall())
        {
            _stallTimer?.Dispose();
        }
    }

    /// <summary>
    /// One look of the stall watch: a batch still delivered on the read thread since the last look means a subscriber
    /// holds the socket, perhaps waiting for a reply only the next frames bring. Inline delivery then ends for good
    /// and a new read thread takes the socket over. False once there is nothing left to watch.
    /// </summary>
    private bool CheckInlineStall()
    {
        long current = _inline!.CurrentInlineDelivery;
        if (current < 0 || !IsOpen)
        {
            // Ended (here, or on an earlier connection of the same client), or closed: nothing left to watch.
            return false;
        }

        long seen = Interlocked.Exchange(ref _seenDelivery, current);
        if (current == 0 || current != seen || !_inline.TryEndInline(current))
        {
            return true;
        }

        Log.InlineDeliveryStalled(_logger, InlineStallPeriod.TotalMilliseconds);
        _batch = new List<object>(64);
        StartReader(Interlocked.Increment(ref _readerGeneration));
        return false;
    }
}
