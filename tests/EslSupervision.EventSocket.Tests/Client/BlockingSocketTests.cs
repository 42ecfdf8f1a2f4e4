using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Tests.Support;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// The inbound client's read thread sleeps in the kernel's receive only if its socket is still a blocking socket: on
/// Linux .NET turns a socket non-blocking for good at its first asynchronous operation (then a "blocking" receive is
/// completed through the runtime's epoll thread and a wait handle). So the client connects synchronously, yet a
/// connect must still end on cancellation or timeout, whatever the switch does.
/// </summary>
public class BlockingSocketTests
{
    private const int GetFlags = 3;
    private const int NonBlocking = 0x800; // O_NONBLOCK on Linux x64 and arm64

    private static readonly TimeSpan Patience = ScriptedPeer.Patience;

    [Fact]
    public async Task A_socket_connected_for_the_read_thread_is_still_blocking_after_it_exchanged_bytes()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "fcntl flags are checked on Linux");
        using var listener = Listen(backlog: 4);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        using var blocking = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await BlockingConnect.ConnectAsync(blocking, "127.0.0.1", port, CancellationToken.None).WaitAsync(Patience);
        using Socket server = await listener.AcceptAsync().WaitAsync(Patience);
        await server.SendAsync("auth/request"u8.ToArray());
        using (var stream = new NetworkStream(blocking, ownsSocket: false))
        {
            stream.Write("auth ClueCon\n\n"u8);
            var buffer = new byte[64];
            Assert.True(stream.Read(buffer) > 0);
        }

        Assert.Equal(0, Flags(blocking) & NonBlocking);

        // The check can fail: the same steps after an asynchronous connect leave the descriptor non-blocking.
        using var asynchronous = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await asynchronous.ConnectAsync("127.0.0.1", port).WaitAsync(Patience);
        Assert.Equal(NonBlocking, Flags(asynchronous) & NonBlocking);
    }

    [Fact]
    public async Task A_connect_to_a_switch_that_never_completes_the_handshake_ends_when_cancelled()
    {
        // A listener that never accepts, its accept queue filled: the kernel drops further handshakes, so a connect hangs.
        using var listener = Listen(backlog: 1);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var filler = new Socket(SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                _ = filler.ConnectAsync("127.0.0.1", port).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }

            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var cts = new CancellationTokenSource();
            Task connecting = BlockingConnect.ConnectAsync(socket, "127.0.0.1", port, cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.WaitAsync(Patience));
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task A_refused_connect_is_a_connection_error_of_the_client()
    {
        using var listener = Listen(backlog: 1);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        listener.Dispose();

        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = port, Password = "ClueCon", Reconnect = false });
        var error = await Assert.ThrowsAsync<EslConnectionException>(() => client.ConnectAsync().WaitAsync(Patience));
        Assert.Contains("Could not connect", error.Message, StringComparison.Ordinal);
        Assert.Equal(EslConnectionState.Disconnected, client.State);
    }

    private static Socket Listen(int backlog)
    {
        var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(backlog);
        return listener;
    }

    private static int Flags(Socket socket) => Fcntl((int)socket.Handle, GetFlags, 0);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);
}
