using System.Buffers;
using EslSupervision.EventSocket.Diagnostics;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// The read loop on a thread of the connection's own (<see cref="EslConnectionSettings.DedicatedThreads"/>): a blocking
/// read into one reused buffer, frames cut straight from it, each read's batch handed over before the next read. It
/// does what the async loop does, without a thread-pool continuation per socket read.
/// </summary>
internal sealed partial class EslConnectionCore
{
    /// <summary>What the buffer starts at, and returns to once a larger frame has been read.</summary>
    private const int ReadBufferSize = 256 * 1024;

    /// <summary>Room a read asks for at least (as the pipe's minimum read size): fewer, larger reads.</summary>
    private const int MinimumReadSize = 64 * 1024;

    private Task StartReadThread() => DedicatedThread.Start("ESL socket read", ReadLoop, _logger);

    private void ReadLoop()
    {
        Exception? reason = null;
        byte[] buffer = new byte[ReadBufferSize];
        int start = 0;
        int end = 0;
        try
        {
            while (true)
            {
                if (buffer.Length - end < MinimumReadSize)
                {
                    buffer = MakeRoom(buffer, ref start, ref end);
                }

                // Blocks this thread only; Close disposes the stream, which ends the read with an exception.
                int read = _stream.Read(buffer, end, buffer.Length - end);
                Volatile.Write(ref _lastFrame, _time.GetTimestamp());
                if (read == 0)
                {
                    if (end > start)
                    {
                        reason = new EslConnectionException($"The connection closed in the middle of a frame ({end - start} bytes unread).");
                    }
                    else if (!ClosedByNotice)
                    {
                        reason = new EslConnectionException("The switch closed the connection.");
                    }

                    break;
                }

                end += read;
                var unread = new ReadOnlySequence<byte>(buffer, start, end - start);
                long before = unread.Length;
                int frames = 0;
                try
                {
                    while (EslFrameReader.TryRead(ref unread, _settings.MaxFrameSize, out EslFrame? frame, _chunks))
                    {
                        frames++;
                        Handle(frame!);
                    }
                }
                finally
                {
                    _metrics.FramesReceived(frames);
                    _metrics.BytesReceived(before - unread.Length);
                    start = end - (int)unread.Length;
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
            _chunks.Close();
        }
    }

    /// <summary>
    /// Moves the unread bytes to the front; grows the buffer only when one frame needs more than it holds (the frame
    /// reader's limits bound that), and goes back to the usual size once such a frame is gone.
    /// </summary>
    private static byte[] MakeRoom(byte[] buffer, ref int start, ref int end)
    {
        int unread = end - start;
        byte[] target = buffer;
        if (unread == 0 && buffer.Length > ReadBufferSize)
        {
            target = new byte[ReadBufferSize];
        }
        else if (buffer.Length - unread < MinimumReadSize)
        {
            target = new byte[buffer.Length * 2];
        }

        if (unread > 0 && (start > 0 || target != buffer))
        {
            Buffer.BlockCopy(buffer, start, target, 0, unread);
        }

        start = 0;
        end = unread;
        return target;
    }

    /// <summary>Hands the batch over, blocking this thread while a full <see cref="EslOverflowPolicy.Wait"/> buffer drains.</summary>
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
