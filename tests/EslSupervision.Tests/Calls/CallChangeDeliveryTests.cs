using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Tests.Calls;

/// <summary>
/// <see cref="ICallRegistry.Changes"/> subscribers run on their own loops: applying an event never waits for one,
/// and one that falls far behind is caught up to the registry's state instead of being silently wrong.
/// </summary>
public class CallChangeDeliveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Applying_events_never_waits_for_a_blocked_subscriber_and_other_subscribers_keep_up()
    {
        using var registry = new CallRegistry();
        using var release = new ManualResetEventSlim(false);
        var held = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable blocked = registry.Changes.Subscribe(_ =>
        {
            held.TrySetResult(Environment.CurrentManagedThreadId);
            release.Wait(Patience);
        });
        Task<CallChange> other = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged && c.Leg.UniqueId == "agent-9").ToTask();

        try
        {
            registry.Apply(Events.Client("client-0"));
            int subscriberThread = await held.Task.WaitAsync(Patience);
            for (int i = 1; i < 10; i++)
            {
                registry.Apply(Events.Client($"client-{i}"));
                registry.Apply(Events.AgentReached($"agent-{i}", "1004"));
                registry.Apply(Events.Bridge($"client-{i}", $"agent-{i}"));
            }

            // Every Apply above returned while the first subscriber was still held; the other one saw it all.
            Assert.False(release.IsSet);
            Assert.NotEqual(Environment.CurrentManagedThreadId, subscriberThread);
            Assert.Equal("client-9", (await other.WaitAsync(Patience)).Leg.BridgedTo);
            Assert.Equal("agent-9", registry.FindActiveAgentLeg("pbx.lab", "1004")?.UniqueId);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task A_subscriber_that_falls_behind_is_caught_up_to_the_registrys_state_and_the_loss_is_logged()
    {
        var logger = new RecordingLogger();
        using var registry = new CallRegistry(DefaultAgentLegRule.Instance, changeCapacity: 8, timeProvider: null, logger);
        registry.Apply(Events.Client("ending"));
        registry.Apply(Events.AgentReached("ending-agent", "1005"));
        registry.Apply(Events.Bridge("ending", "ending-agent"));

        // The subscriber's own view, kept from what it is told: the last state of each leg.
        var view = new ConcurrentDictionary<string, CallLeg>(registry.GetSnapshot().Legs.ToDictionary(l => l.UniqueId));
        using var release = new ManualResetEventSlim(false);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int first = 1;
        using IDisposable slow = registry.Changes.Subscribe(c =>
        {
            if (Interlocked.Exchange(ref first, 0) == 1)
            {
                held.TrySetResult();
                release.Wait(Patience);
            }

            view[c.Leg.UniqueId] = c.Leg;
        });

        registry.Apply(Events.Client("client-0"));
        await held.Task.WaitAsync(Patience);

        // Far more than 8 changes while it is held: calls start and get bridged, one call ends.
        for (int i = 1; i < 10; i++)
        {
            registry.Apply(Events.Client($"client-{i}"));
            registry.Apply(Events.AgentReached($"agent-{i}", "1004"));
            registry.Apply(Events.Bridge($"client-{i}", $"agent-{i}"));
        }

        registry.Apply(Events.Make("CHANNEL_HANGUP", "ending", ("Hangup-Cause", "NORMAL_CLEARING")));
        release.Set();
        await registry.WhenChangesDeliveredAsync().WaitAsync(Patience);

        // Told in fewer steps, but right: every leg as the registry has it now.
        foreach (CallLeg leg in registry.GetSnapshot().Legs)
        {
            Assert.Equal(leg, view[leg.UniqueId]);
        }

        Assert.Equal(CallLegState.Ended, view["ending"].State);
        Assert.Null(view["ending-agent"].BridgedTo);
        Assert.Equal(1, logger.Count(2008));
    }

    [Fact]
    public async Task A_subscriber_that_throws_keeps_getting_changes_and_so_do_the_others()
    {
        using var registry = new CallRegistry();
        var seen = new ConcurrentQueue<string>();
        using IDisposable throwing = registry.Changes.Subscribe(c =>
        {
            seen.Enqueue(c.Leg.UniqueId);
            throw new InvalidOperationException("a dashboard bug");
        });
        Task<CallChange> other = registry.Changes.FirstAsync(c => c.Leg.UniqueId == "b").ToTask();

        registry.Apply(Events.Client("a"));
        registry.Apply(Events.Client("b"));
        await other.WaitAsync(Patience);
        await registry.WhenChangesDeliveredAsync().WaitAsync(Patience);

        Assert.Equal(["a", "b"], seen);
    }

    /// <summary>Counts log entries by event id.</summary>
    private sealed class RecordingLogger : ILogger<CallRegistry>
    {
        private readonly ConcurrentDictionary<int, int> _counts = new();

        public int Count(int id) => _counts.GetValueOrDefault(id);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => _counts.AddOrUpdate(eventId.Id, 1, (_, n) => n + 1);
    }
}
