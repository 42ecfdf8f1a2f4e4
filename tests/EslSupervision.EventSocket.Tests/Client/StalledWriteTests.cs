using EslSupervision.EventSocket.Tests.Support;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// The inbound client writes commands synchronously (its socket stays blocking for the read thread), so a switch
/// that stops reading while the connection stays up must not hold a caller's thread for good, and the commands
/// queued behind the stuck write must fail too, not wait on a lock the failed write left behind.
/// </summary>
public class StalledWriteTests
{
    // A regression here hangs in the client's dispose (a lock left held): the timeout turns that into a failure.
    [Fact(Timeout = 30_000)]
    public async Task Commands_to_a_switch_that_stopped_reading_fail_with_a_connection_error_after_the_command_timeout()
    {
        await using var peer = new ScriptedPeer();

        // No consecutive-timeout rule: only the write's own bound may end this.
        await using var client = new EslInboundClient(peer.Options(o =>
        {
            o.CommandTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxConsecutiveCommandTimeouts = 0;
            o.Reconnect = false;
        }));
        Task connecting = client.ConnectAsync();
        using PeerConnection stalled = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(ScriptedPeer.Patience);

        // The peer reads nothing more: 1 MiB bodies fill both sides' socket buffers, and a write then blocks.
        string body = new('x', 1 << 20);
        Task[] sends = [.. Enumerable.Range(0, 24).Select(_ => Task.Run(() => client.SendEventAsync("CUSTOM", [new("Event-Subclass", "test::fill")], body)))];

        Task all = Task.WhenAll(sends);
        await Assert.ThrowsAnyAsync<Exception>(() => all.WaitAsync(ScriptedPeer.Patience, TestContext.Current.CancellationToken));
        Assert.True(all.IsCompleted, "callers still held: " + string.Join(", ", sends.Where(t => !t.IsCompleted).Select(t => t.Status)));
        Assert.Contains(sends, t => t.Exception?.InnerException is EslConnectionException);
    }
}
