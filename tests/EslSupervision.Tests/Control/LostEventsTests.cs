using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Permissions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>Events the controller's own buffer drops never leave the call registry silently wrong.</summary>
public class LostEventsTests
{
    private static readonly TimeSpan Patience = SupervisionHarness.Patience;

    [Fact]
    public async Task After_its_buffer_overflows_the_controller_resyncs_the_registry_once_the_debounce_elapses()
    {
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret" });
        foreach (var (ext, name) in new[] { ("1004", "Olivia"), ("1005", "Sam"), ("1010", "Benjamin"), ("1011", "Lena") })
        {
            fs.AddUser(new FakeUser(ext, "pbx.lab", name));
        }

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new SignallingLoggerFactory();
        var options = new TestOptionsMonitor<SupervisionOptions>(SupervisionHarness.LabOptions());

        // Every buffer of this connection holds 16 events, the controller's own reader included.
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "lab-secret", EventBufferCapacity = 16 });
        await client.ConnectAsync().WaitAsync(Patience);
        // An agent-leg rule of the application's own keeps the controller off the socket's read loop: it reads
        // through its own buffer, which is what can overflow here.
        using var release = new ManualResetEventSlim(false);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var rule = new StallingRule(held, release);
        var registry = new CallRegistry(rule);
        var authorizer = new SupervisionAuthorizer(new RingGroupPermissionProvider(options), registry, options, time);
        await using var controller = new SupervisionController(client, registry, authorizer, options, time, logs);
        await controller.StartAsync().WaitAsync(Patience);
        Assert.False(controller.TakesEventsInline);

        FakeChannel ending = fs.DialParked("1004", "pbx.lab", "5000");
        await WaitForLegAsync(registry, ending.Uuid);

        // Hold the controller in the rule on the next new channel, as a slow rule would. (The stall used to be a
        // Changes subscriber; those now run on their own loops and cannot hold the controller.)
        rule.Arm();
        FakeChannel trigger = fs.DialParked("1010", "pbx.lab", "5001");
        await held.Task.WaitAsync(Patience);

        // While it is held: one call ends, one starts, then a flood pushes both out of its 16-event buffer.
        fs.Hangup(ending.Uuid);
        FakeChannel starting = fs.DialParked("1011", "pbx.lab", "5002");
        await client.SubscribeAsync(["HEARTBEAT"]).WaitAsync(Patience);
        Task flooded = client.Events.FirstAsync(e => e["Marker"] == "last").ToTask();
        for (int i = 0; i < 40; i++)
        {
            fs.PublishEvent([new("Event-Name", "HEARTBEAT"), new("Marker", i == 39 ? "last" : "filler")]);
        }

        await flooded.WaitAsync(Patience);
        Task lost = logs.WaitForAsync(2110);
        release.Set();
        await lost.WaitAsync(Patience);

        // The registry is wrong now, and nothing is resynced before the debounce elapses.
        Assert.NotNull(registry.GetLeg(ending.Uuid));
        Assert.Null(registry.GetLeg(starting.Uuid));
        Assert.False(logs.Seen(2111));

        Task repaired = logs.WaitForAsync(2112);
        time.Advance(SupervisionController.GapResyncDelay);
        await repaired.WaitAsync(Patience);

        Assert.Null(registry.GetLeg(ending.Uuid));
        Assert.NotNull(registry.GetLeg(starting.Uuid));
        Assert.NotNull(registry.GetLeg(trigger.Uuid));
        Assert.Equal(1, logs.Count(2111));
    }

    private static async Task WaitForLegAsync(CallRegistry registry, string uuid)
    {
        Task known = registry.Changes.FirstAsync(_ => registry.GetLeg(uuid) is not null).ToTask();
        if (registry.GetLeg(uuid) is null)
        {
            await known.WaitAsync(Patience);
        }
    }

    /// <summary>The built-in rule, except that once armed it blocks on the next channel until released.</summary>
    private sealed class StallingRule(TaskCompletionSource held, ManualResetEventSlim release) : IAgentLegRule
    {
        private int _armed;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public UserIdentity? Identify(AgentLegFacts facts)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                held.TrySetResult();
                release.Wait(Patience);
            }

            return DefaultAgentLegRule.Instance.Identify(facts);
        }
    }
}
