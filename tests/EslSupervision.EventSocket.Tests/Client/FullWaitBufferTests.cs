using System.Text;
using EslSupervision.EventSocket.Tests.Support;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// Under <see cref="EslOverflowPolicy.Wait"/> an inbound client's read thread parks on a full buffer until its
/// consumer makes room. A consumer that never does must not keep the client from being disposed.
/// </summary>
public class FullWaitBufferTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 60_000)]
    public async Task A_client_whose_read_thread_waits_on_a_reader_that_is_never_read_is_disposed_promptly()
    {
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options());
        Task connecting = client.ConnectAsync();
        using PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);

        // A reader that waits for room and is never read: once it is full the read thread parks for good.
        EslEventReader neverRead = client.CreateEventReader(new EslEventReaderOptions { Capacity = 16, OverflowPolicy = EslOverflowPolicy.Wait });
        for (int seq = 0; seq < 100; seq++)
        {
            string inner = $"Event-Name: CUSTOM\nSeq: {seq}\n\n";
            await connection.WriteAsync(Encoding.UTF8.GetBytes($"Content-Length: {inner.Length}\nContent-Type: text/event-plain\n\n{inner}"));
        }

        // Whether the read thread has parked yet or parks just after, the dispose ends its wait.
        await client.DisposeAsync().AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);
        await neverRead.DisposeAsync();
    }
}
