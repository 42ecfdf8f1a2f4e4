using System.Net.Sockets;

namespace EslSupervision.EventSocket.Client;

/// <summary>
/// Connects a socket with the blocking <see cref="Socket.Connect(string, int)"/>, so that it stays a blocking socket:
/// on Linux .NET switches a socket to non-blocking for good at its first asynchronous operation, after which every
/// synchronous receive of the connection's read thread would be completed through the runtime's epoll thread and a
/// wait handle instead of simply sleeping in the kernel.
/// </summary>
internal static class BlockingConnect
{
    /// <summary>
    /// Connects on a thread of its own (not a pool thread: an unreachable switch can hold it for the whole connect
    /// timeout). Cancelling disposes the socket, which aborts the connect; the caller then sees an
    /// <see cref="OperationCanceledException"/>, as with <see cref="Socket.ConnectAsync(string, int, CancellationToken)"/>.
    /// </summary>
    public static async Task ConnectAsync(Socket socket, string host, int port, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Task connecting = Task.Factory.StartNew(
            () => socket.Connect(host, port),
            CancellationToken.None,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);

        // Whoever stops waiting below (a cancel during name resolution, which disposing cannot abort) leaves the
        // connect thread to fail on its own: its exception is observed here.
        _ = connecting.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            using (cancellationToken.UnsafeRegister(static state => ((Socket)state!).Dispose(), socket))
            {
                await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The connect was cancelled.", ex, cancellationToken);
        }

        // Cancelled just as the connect succeeded: the socket may already be disposed.
        cancellationToken.ThrowIfCancellationRequested();
    }
}
