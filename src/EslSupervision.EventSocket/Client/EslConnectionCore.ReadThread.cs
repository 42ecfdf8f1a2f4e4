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
/// as long as it takes. The stall watch looks every <see cref="EslConnectionSettings.StallPeriod"/>; a batch still
/// being delivered after a whole period ends inline delivery and hands the socket to a new read thread, so replies and
/// events keep arriving (the subscriber may be waiting for one of them). The old thread finishes its batch and ends.
/// </para>
/// </summary>
internal sealed partial class EslConnectionCore
{
    /// <summary>What the buffer starts at, and returns to once a larger frame has been read.</summary>
    private const int ReadBufferSize = 256 * 1024;

    /// <summary>Room a read asks for at least (as the pipe's minimum read size): fewer, larger reads.</summary>
    private const int MinimumReadSize = 64 * 1024;

    private Task StartReadThread()
    {
        _receive = new ReceiveBuffer(_chunks);
        StartReader(generation: 0);
        return _readEnded.Task;
    }

    /// <summary>Starts a read thread that owns the socket while <see cref="_readerGeneration"/> is <paramref name="generation"/>.</summary>
    private void StartReader(int generation)
    {
        // Reading has ended once the thread that ended it has stopped; a replaced thread ends without ending it (asked
        // here, not by the thread, so one that failed outside its own handling is counted right too).
        Task thread = DedicatedThread.Start("ESL socket read", () => ReadLoop(generation), _logger);
        _ = thread.ContinueWith(
            (_, state) =>
            {
                var core = (EslConnectionCore)state!;
                if (!core.IsReplaced(generation))
                {
                    core._readEnded.TrySetResult();
                    core._stallTimer?.Dispose();
                    core.WakeStallWatch();
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Reads until the connection ends, or until the stall watch gave the socket to a new read thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Handle
    private void ReadLoop(int generation)
    {
        Exception? reason = null;
        ReceiveBuffer receive = _receive!;
        bool replaced = false;
        Volatile.Write(ref _readerThreadId, Environment.CurrentManagedThreadId);
        try
        {
            // The final disconnect notice (or a close) cancels the lifetime: stop reading then, as the async loop does
            // (checked before every read, so a read thread that replaced one after it does not read at all).
            while (!_lifetime.IsCancellationRequested)
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
                if (IsReplaced(generation))
                {
                    replaced = true;
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            if (IsReplaced(generation))
            {
                replaced = true;
            }
            else
            {
                reason = ReadFailure(ex);
            }
        }
        finally
        {
            // A replaced thread leaves the connection, its last batch and the receive buffer to the new one.
            if (!replaced && !IsReplaced(generation))
            {
                // As in the async loop: closed first, so a full Wait buffer is not waited for, then what was cut is handed over.
                Close(reason);
                Flush();
                if (!IsReplaced(generation))
                {
                    receive.Dispose();
                }
            }
        }
    }

    /// <summary>Whether the stall watch gave the socket to a newer read thread (asked under the watch's lock, so never half-way through it).</summary>
    private bool IsReplaced(int generation)
    {
        lock (_handOverGate)
        {
            return _readerGeneration != generation;
        }
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

    /// <summary>The stall watch's own thread: a look every period until reading has ended or inline delivery did.</summary>
    private void WatchForStalls()
    {
        while (true)
        {
            lock (_stallWatchGate)
            {
                if (_readEnded.Task.IsCompleted)
                {
                    return;
                }

                Monitor.Wait(_stallWatchGate, _settings.StallPeriod);
            }

            if (!CheckInlineStall())
            {
                return;
            }
        }
    }

    private void WakeStallWatch()
    {
        lock (_stallWatchGate)
        {
            Monitor.PulseAll(_stallWatchGate);
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
    /// One look of the stall watch. A batch delivered on the read thread for a whole period means a subscriber holds
    /// the socket, perhaps waiting for a reply only the next frames bring, or, once the connection closed, holds up
    /// its end (and a reconnect). Inline delivery then ends for good and a new read thread takes over the socket
    /// (after a close it ends at once, which ends reading). False once there is nothing left to watch.
    /// </summary>
    private bool CheckInlineStall()
    {
        if (_readEnded.Task.IsCompleted)
        {
            return false;
        }

        long current = _inline!.CurrentInlineDelivery;
        if (current < 0)
        {
            // Ended, here or on an earlier connection of the same client.
            return false;
        }

        // Only this connection's read thread (another connection of the same client may be delivering). Timed, not
        // counted: Close wakes the watch for an extra look, which must not shorten the period; a wait that returns a
        // little early must not stretch it to a third look either.
        long now = _time.GetTimestamp();
        if (current == 0
            || IInlineDelivery.DeliveringThread(current) != Volatile.Read(ref _readerThreadId)
            || current != Interlocked.Exchange(ref _seenDelivery, current))
        {
            Volatile.Write(ref _seenSince, now);
            return true;
        }

        if (_time.GetElapsedTime(Volatile.Read(ref _seenSince), now) < _settings.StallPeriod * 0.9)
        {
            return true;
        }

        int generation;
        lock (_handOverGate)
        {
            if (!_inline.TryEndInline(current))
            {
                return true;
            }

            _batch = new List<object>(64);
            generation = ++_readerGeneration;
        }

        Log.InlineDeliveryStalled(_logger, _settings.StallPeriod.TotalMilliseconds);
        StartReader(generation);
        return false;
    }
}
