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
/// </summary>
internal sealed partial class EslConnectionCore
{
    /// <summary>What the buffer starts at, and returns to once a larger frame has been read.</summary>
    private const int ReadBufferSize = 256 * 1024;

    /// <summary>Room a read asks for at least (as the pipe's minimum read size): fewer, larger reads.</summary>
    private const int MinimumReadSize = 64 * 1024;

    private Task StartReadThread() => DedicatedThread.Start("ESL socket read", ReadLoop, _logger);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Handle
    private void ReadLoop()
    {
        Exception? reason = null;
        var receive = new ReceiveBuffer(_chunks);
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
            // As in the async loop: closed first, so a full Wait buffer is not waited for, then what was cut is handed over.
            Close(reason);
            Flush();
            receive.Dispose();
        }
    }

    /// <summary>Hands the batch over, blocking this thread while a full <see cref="EslOverflowPolicy.Wait"/> buffer drains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Flush()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        try
        {
            ValueTask publishing = _publish(_batch, _lifetime.Token);
            if (!publishing.IsCompletedSuccessfully)
            {
                publishing.AsTask().GetAwaiter().GetResult();
            }
        }
        finally
        {
            ReleaseBatch();
        }
    }
}
