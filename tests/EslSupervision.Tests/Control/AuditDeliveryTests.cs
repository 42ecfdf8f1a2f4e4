using System.Reactive;
using EslSupervision.Control;
using EslSupervision.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>Audit can neither change nor delay a decision: isolated Rx subscribers, durable sinks behind bounded queues.</summary>
public class AuditDeliveryTests
{
    private static SupervisionAuditEvent Entry(SupervisionAuditKind kind) => new() { Kind = kind, At = DateTimeOffset.UnixEpoch, SupervisorLegId = "leg" };

    [Fact]
    public async Task A_throwing_and_a_hanging_subscriber_change_nothing_for_supervision_or_for_other_subscribers()
    {
        using var hang = new ManualResetEventSlim();
        using var failures = new MetricProbe("esl_supervision.audit.subscriber_failures");
        await using var lab = await SupervisionHarness.StartAsync();
        var hangingGot = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable throwing = lab.Controller.Audit.Subscribe(Observer.Create<SupervisionAuditEvent>(_ => throw new InvalidOperationException("dashboard bug")));
        using IDisposable hanging = lab.Controller.Audit.Subscribe(Observer.Create<SupervisionAuditEvent>(_ =>
        {
            hangingGot.TrySetResult();
            hang.Wait(); // Blocks its delivery thread until the test ends.
        }));
        try
        {
            FakeCall call = await lab.OliviaTalksToAClientAsync();

            FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");
            await hangingGot.Task.WaitAsync(SupervisionHarness.Patience);
            Assert.True(lab.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));
            Assert.False(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));

            await lab.Switch.PressDigitAsync(benjamin.Uuid, '1');
            await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Whisper);
            Assert.True(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
            Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));

            FakeChannel sam = lab.Switch.DialParked("1005", "pbx.lab", "*901004");
            await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, sam.Uuid);
            Assert.Equal("CALL_REJECTED", (await lab.HungUpAsync(sam.Uuid)).HangupCause);
            Assert.True(failures.Total >= 1);
        }
        finally
        {
            hang.Set();
        }
    }

    [Fact]
    public async Task A_sink_receives_the_trail_and_a_hanging_sink_does_not_hold_up_supervision()
    {
        var good = new RecordingSink();
        var hangingSink = new HangingSink();
        await using var lab = await SupervisionHarness.StartAsync(sinks: [hangingSink, good]);
        await lab.OliviaTalksToAClientAsync();

        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");

        SupervisionAuditEvent started = await good.WaitForAsync(e => e.Kind == SupervisionAuditKind.Started);
        Assert.Equal(benjamin.Uuid, started.SupervisorLegId);
        await hangingSink.Called.WaitAsync(SupervisionHarness.Patience); // It got entries, and never answers.
    }

    [Fact]
    public async Task A_sink_that_is_down_leaves_supervision_working_and_health_says_audit_sink_failing()
    {
        SupervisionHarness? lab = null;
        var fourthTry = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        int tries = 0;
        var down = new LambdaSink(_ =>
        {
            if (Interlocked.Increment(ref tries) == 4)
            {
                fourthTry.TrySetResult(lab!.Controller.HealthProblems); // After the first entry's three failed tries.
            }

            throw new IOException("database down");
        });
        lab = await SupervisionHarness.StartAsync(sinks: [down]);
        await using (lab)
        {
            FakeCall call = await lab.OliviaTalksToAClientAsync();
            FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");
            Assert.True(lab.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));

            // The policy waits 1 s and 2 s between tries of an entry: real time, bounded by the harness's patience.
            Assert.Equal(["audit sink failing"], await fourthTry.Task.WaitAsync(SupervisionHarness.Patience));
        }
    }

    [Fact]
    public async Task A_failing_sink_is_retried_then_dropped_reported_as_failing_and_recovers()
    {
        var time = new FakeTimeProvider();
        using var dropped = new MetricProbe("esl_supervision.audit.dropped", "sink_failed");
        var calls = new List<TaskCompletionSource<bool>>();
        for (int i = 0; i < 5; i++)
        {
            calls.Add(new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        AuditSinkWriter? writer = null;
        int call = 0;
        var sink = new LambdaSink(_ =>
        {
            int n = Interlocked.Increment(ref call);
            calls[n - 1].TrySetResult(writer!.IsFailing);
            if (n <= 3)
            {
                throw new IOException("database down");
            }

            return ValueTask.CompletedTask;
        });
        // The policy's waits (1 s, 2 s) are shortened to nothing here; what is tested is try, retry, drop, recover.
        writer = new AuditSinkWriter(sink, 16, time, new AuditTelemetry(null, NullLogger.Instance), [TimeSpan.Zero]);

        writer.Enqueue(Entry(SupervisionAuditKind.Requested));
        Assert.False(await calls[0].Task.WaitAsync(SupervisionHarness.Patience));
        await calls[1].Task.WaitAsync(SupervisionHarness.Patience);
        await calls[2].Task.WaitAsync(SupervisionHarness.Patience);

        // Third try failed: the entry is dropped for this sink and the next entry finds the sink reported failing.
        writer.Enqueue(Entry(SupervisionAuditKind.Started));
        Assert.True(await calls[3].Task.WaitAsync(SupervisionHarness.Patience));
        Assert.True(dropped.Total >= 1);

        // That write succeeded: no longer failing.
        writer.Enqueue(Entry(SupervisionAuditKind.Ended));
        Assert.False(await calls[4].Task.WaitAsync(SupervisionHarness.Patience));
        await writer.StopAsync();
    }

    [Fact]
    public async Task A_full_sink_queue_drops_and_counts_new_entries_and_never_blocks_the_publisher()
    {
        using var overflow = new MetricProbe("esl_supervision.audit.dropped", "overflow");
        var hangingSink = new HangingSink();
        var writer = new AuditSinkWriter(hangingSink, 2, new FakeTimeProvider(), new AuditTelemetry(null, NullLogger.Instance));

        writer.Enqueue(Entry(SupervisionAuditKind.Requested));
        await hangingSink.Called.WaitAsync(SupervisionHarness.Patience); // The writer holds the first entry.
        long before = overflow.Total;
        for (int i = 0; i < 5; i++)
        {
            writer.Enqueue(Entry(SupervisionAuditKind.Started)); // Two fit; three overflow.
        }

        Assert.True(overflow.Total - before >= 3);
    }

    private sealed class LambdaSink(Func<SupervisionAuditEvent, ValueTask> write) : ISupervisionAuditSink
    {
        public ValueTask WriteAsync(SupervisionAuditEvent auditEvent, CancellationToken cancellationToken) => write(auditEvent);
    }

    private sealed class HangingSink : ISupervisionAuditSink
    {
        private readonly TaskCompletionSource _called = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Called => _called.Task;

        public async ValueTask WriteAsync(SupervisionAuditEvent auditEvent, CancellationToken cancellationToken)
        {
            _called.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    private sealed class RecordingSink : ISupervisionAuditSink
    {
        private readonly List<SupervisionAuditEvent> _entries = [];
        private readonly List<(Func<SupervisionAuditEvent, bool> Match, TaskCompletionSource<SupervisionAuditEvent> Signal)> _waiters = [];

        public ValueTask WriteAsync(SupervisionAuditEvent auditEvent, CancellationToken cancellationToken)
        {
            lock (_entries)
            {
                _entries.Add(auditEvent);
                foreach (var w in _waiters.Where(w => w.Match(auditEvent)).ToList())
                {
                    w.Signal.TrySetResult(auditEvent);
                    _waiters.Remove(w);
                }
            }

            return ValueTask.CompletedTask;
        }

        public Task<SupervisionAuditEvent> WaitForAsync(Func<SupervisionAuditEvent, bool> match)
        {
            lock (_entries)
            {
                if (_entries.FirstOrDefault(match) is { } seen)
                {
                    return Task.FromResult(seen);
                }

                var signal = new TaskCompletionSource<SupervisionAuditEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((match, signal));
                return signal.Task.WaitAsync(SupervisionHarness.Patience);
            }
        }
    }
}
