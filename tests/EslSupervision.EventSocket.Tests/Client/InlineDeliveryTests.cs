using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// Under <see cref="EslOverflowPolicy.Wait"/> an inbound client calls Rx subscribers on its socket read thread while
/// they keep up. A subscriber that holds that thread (slow, or waiting for a reply only the socket can bring) must not
/// freeze the client: after a stall period reading moves to a new thread, nothing is lost or reordered, and the streams
/// still end after the last event.
/// </summary>
public class InlineDeliveryTests
{
    private const int StallLogId = 1057;
    private static readonly TimeSpan Patience = ScriptedPeer.Patience;

    private static async Task<(EslInboundClient Client, PeerConnection Peer)> ConnectAsync(ScriptedPeer peer, EslOverflowPolicy policy, RecordingLoggerFactory? logs = null, TimeProvider? time = null)
    {
        var client = new EslInboundClient(peer.Options(o => { o.OverflowPolicy = policy; o.Reconnect = false; }), logs, time);
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        return (client, connection);
    }

    private static int Seq(EslEvent e) => int.Parse(e["Seq"]!, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(EslOverflowPolicy.Wait, "ESL socket read")]
    [InlineData(EslOverflowPolicy.DropOldest, "ESL event dispatch")]
    [InlineData(EslOverflowPolicy.DropNewest, "ESL event dispatch")]
    public async Task Subscribers_are_called_on_the_read_thread_only_when_the_policy_lets_them_pace_the_socket(EslOverflowPolicy policy, string expectedThread)
    {
        // A dropping policy promises that a slow subscriber never holds the socket (it loses events instead), so its
        // subscribers must stay behind the buffer; under Wait they pace the socket either way.
        // The test's clock never moves, so no stall can be seen here however slowly the test host runs.
        await using var peer = new ScriptedPeer();
        var (client, connection) = await ConnectAsync(peer, policy, time: new FakeTimeProvider());
        await using (client)
        {
            var threads = new List<string?>();
            var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using IDisposable subscription = client.Events.Subscribe(e =>
            {
                threads.Add(Thread.CurrentThread.Name);
                if (Seq(e) == 9)
                {
                    allSeen.TrySetResult();
                }
            });

            for (int seq = 0; seq < 10; seq++)
            {
                await connection.EventAsync($"Event-Name: CUSTOM\nSeq: {seq}\n");
            }

            await allSeen.Task.WaitAsync(Patience);
            Assert.All(threads, name => Assert.Equal(expectedThread, name));
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)] // a reader beside the subscriber gets every event once, in order, across the hand-over too
    public async Task A_subscriber_that_waits_on_the_read_thread_for_a_reply_gets_it_once_reading_moves_to_a_new_thread(bool withReader)
    {
        // Sync over async inside a subscriber: the reply can only be read by the thread the subscriber is holding.
        await using var peer = new ScriptedPeer();
        var time = new FakeTimeProvider();
        var logs = new RecordingLoggerFactory();
        var (client, connection) = await ConnectAsync(peer, EslOverflowPolicy.Wait, logs, time);
        await using (client)
        {
            const int total = 40;
            await using EslEventReader? reader = withReader ? client.CreateEventReader(new EslEventReaderOptions { OverflowPolicy = EslOverflowPolicy.Wait }) : null;
            var seen = new List<(int Seq, string? Thread)>();
            string? reply = null;
            var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using IDisposable subscription = client.Events.Subscribe(e =>
            {
                int seq = Seq(e);
                lock (seen)
                {
                    seen.Add((seq, Thread.CurrentThread.Name));
                }

                if (seq == 0)
                {
                    reply = client.ApiAsync("status").GetAwaiter().GetResult().Body;
                }

                if (seq == total - 1)
                {
                    allSeen.TrySetResult();
                }
            });

            await connection.EventAsync("Event-Name: CUSTOM\nSeq: 0\n");
            Assert.Equal("api status", await connection.ReadCommandAsync());

            // The reply and later events arrive while the subscriber still holds the read thread.
            await connection.ApiResponseAsync("UP 0 years, 0 days");
            for (int seq = 1; seq < total; seq++)
            {
                await connection.EventAsync($"Event-Name: CUSTOM\nSeq: {seq}\n");
            }

            // The watch sees the same batch at two looks a period apart: the subscriber held the thread that long.
            time.Advance(EslConnectionSettings.DefaultInlineStallPeriod);
            time.Advance(EslConnectionSettings.DefaultInlineStallPeriod);
            await logs.WaitForAsync(StallLogId);
            await allSeen.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);

            Assert.Equal("UP 0 years, 0 days", reply);
            lock (seen)
            {
                Assert.Equal(Enumerable.Range(0, total), seen.Select(s => s.Seq));
                Assert.Equal("ESL socket read", seen[0].Thread);
                Assert.All(seen.Skip(1), s => Assert.Equal("ESL event dispatch", s.Thread));
            }

            if (reader is not null)
            {
                var read = new List<int>();
                while (read.Count < total)
                {
                    Assert.True(await reader.WaitToReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken));
                    while (reader.TryRead(out EslEvent? e))
                    {
                        read.Add(Seq(e));
                    }
                }

                Assert.Equal(Enumerable.Range(0, total), read);
            }

            // The client goes on working through the new read thread.
            Task<EslApiResponse> next = client.ApiAsync("version");
            Assert.Equal("api version", await connection.ReadCommandAsync());
            await connection.ApiResponseAsync("FreeSWITCH Version 1.10.12");
            Assert.Equal("FreeSWITCH Version 1.10.12", (await next.WaitAsync(Patience)).Body);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task On_the_system_clock_the_stall_watch_thread_frees_a_subscriber_waiting_for_a_reply()
    {
        // The production path: the watch is a sleeping thread, not a timer; the outcome is the same, only its delay is real.
        await using var peer = new ScriptedPeer();
        var logs = new RecordingLoggerFactory();
        var (client, connection) = await ConnectAsync(peer, EslOverflowPolicy.Wait, logs);
        await using (client)
        {
            var replied = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            using IDisposable subscription = client.Events.Subscribe(e =>
            {
                if (Seq(e) == 0)
                {
                    replied.TrySetResult(client.ApiAsync("status").GetAwaiter().GetResult().Body);
                }
            });

            await connection.EventAsync("Event-Name: CUSTOM\nSeq: 0\n");
            Assert.Equal("api status", await connection.ReadCommandAsync());
            await connection.ApiResponseAsync("UP 0 years, 0 days");

            Assert.Equal("UP 0 years, 0 days", await replied.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));
            await logs.WaitForAsync(StallLogId);
        }
    }

    [Fact]
    public async Task Quick_subscribers_keep_the_read_thread_however_long_the_client_runs()
    {
        // The watch only acts on a batch delivered for a whole period: batches that end between its looks never count.
        await using var peer = new ScriptedPeer();
        var time = new FakeTimeProvider();
        var logs = new RecordingLoggerFactory();
        var (client, connection) = await ConnectAsync(peer, EslOverflowPolicy.Wait, logs, time);
        await using (client)
        {
            var threads = new List<string?>();
            var seen = new SemaphoreSlim(0);
            using IDisposable subscription = client.Events.Subscribe(e =>
            {
                threads.Add(Thread.CurrentThread.Name);
                seen.Release();
            });

            for (int seq = 0; seq < 20; seq++)
            {
                await connection.EventAsync($"Event-Name: CUSTOM\nSeq: {seq}\n");
                Assert.True(await seen.WaitAsync(Patience));
                time.Advance(EslConnectionSettings.DefaultInlineStallPeriod);
            }

            Assert.DoesNotContain(logs.Entries, entry => entry.Id == StallLogId);
            Assert.All(threads, name => Assert.Equal("ESL socket read", name));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Closing_while_a_subscriber_holds_the_read_thread_does_not_wait_for_the_subscriber()
    {
        // Dispose (or liveness, or a failed write) closes the socket; the connection must end without the subscriber,
        // which may be waiting for something only a later connection brings. The streams still end after it.
        await using var peer = new ScriptedPeer();
        var time = new FakeTimeProvider();
        var (client, connection) = await ConnectAsync(peer, EslOverflowPolicy.Wait, time: time);
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable subscription = client.Events.Subscribe(
            _ =>
            {
                entered.TrySetResult();
                release.Wait(Patience);
            },
            () => completed.TrySetResult());

        await connection.EventAsync("Event-Name: CUSTOM\nSeq: 0\n");
        await entered.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Task closed = client.StateChanges.FirstAsync(s => s == EslConnectionState.Closed).ToTask();
        Task disposing = client.DisposeAsync().AsTask();

        // A batch held for a whole period is let go: the connection ends while the subscriber still runs.
        time.Advance(EslConnectionSettings.DefaultInlineStallPeriod);
        time.Advance(EslConnectionSettings.DefaultInlineStallPeriod);
        await closed.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.False(completed.Task.IsCompleted, "the stream completed while a subscriber was still being called");

        release.Set();
        await disposing.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await completed.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_subscriber_busy_for_less_than_a_period_keeps_the_read_thread()
    {
        // Seen busy at one look, done before the next: slow work well short of a stall is not one.
        await using var peer = new ScriptedPeer();
        var time = new FakeTimeProvider();
        var logs = new RecordingLoggerFactory();
        var (client, connection) = await ConnectAsync(peer, EslOverflowPolicy.Wait, logs, time);
        await using (client)
        {
            using var release = new ManualResetEventSlim();
            var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var second = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            using IDisposable subscription = client.Events.Subscribe(e =>
            {
                if (Seq(e) == 0)
                {
                    entered.TrySetResult();
                    release.Wait(Patience);
                }
                else
                {
                    second.TrySetResult(Thread.CurrentThread.Name);
                }
            });

            await connection.EventAsync("Event-Name: CUSTOM\nSeq: 0\n");
            await entered.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
            time.Advance(EslConnectionSettings.DefaultInlineStallPeriod / 2);
            time.Advance(EslConnectionSettings.DefaultInlineStallPeriod / 2); // the first look sees the batch
            release.Set();
            await connection.EventAsync("Event-Name: CUSTOM\nSeq: 1\n");
            Assert.Equal("ESL socket read", await second.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));
            time.Advance(EslConnectionSettings.DefaultInlineStallPeriod); // the next look finds it done

            Assert.DoesNotContain(logs.Entries, entry => entry.Id == StallLogId);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task The_streams_end_only_after_the_batch_a_replaced_read_thread_is_still_delivering()
    {
        // The Rx contract: no OnError/OnCompleted while an OnNext runs, even when reading ended on another thread.
        await using var peer = new ScriptedPeer();
        var time = new FakeTimeProvider();
        var logs = new RecordingLoggerFactory();
        var (client, connection) = await ConnectAsync(peer, EslOverflowPolicy.Wait, logs, time);
        await using var disposeOnFailure = client;
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool inNext = false;
        int terminals = 0;
        using IDisposable subscription = client.Events.Subscribe(
            e =>
            {
                Volatile.Write(ref inNext, true);
                entered.TrySetResult();
                release.Wait(Patience);
                Volatile.Write(ref inNext, false);
            },
            ex =>
            {
                Interlocked.Increment(ref terminals);
                ended.TrySetResult(Volatile.Read(ref inNext));
            },
            () =>
            {
                Interlocked.Increment(ref terminals);
                ended.TrySetResult(Volatile.Read(ref inNext));
            });

        await connection.EventAsync("Event-Name: CUSTOM\nSeq: 0\n");
        await entered.Task.WaitAsync(Patience);
        time.Advance(EslConnectionSettings.DefaultInlineStallPeriod);
        time.Advance(EslConnectionSettings.DefaultInlineStallPeriod);
        await logs.WaitForAsync(StallLogId);

        // The switch goes away: the new read thread ends reading and the client completes its streams.
        connection.Abort();
        await client.StateChanges.FirstAsync(s => s == EslConnectionState.Closed).ToTask().WaitAsync(Patience);

        // Completion is due now; it must wait for the subscriber, so it cannot have come within this window.
        bool endedWhileHeld = await Task.WhenAny(ended.Task, Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken)) == ended.Task;
        release.Set();

        Assert.False(endedWhileHeld, "the stream ended while a subscriber was still being called");
        Assert.False(await ended.Task.WaitAsync(Patience), "the terminal call overlapped OnNext");
        await client.DisposeAsync().AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(1, Volatile.Read(ref terminals));
    }
}
