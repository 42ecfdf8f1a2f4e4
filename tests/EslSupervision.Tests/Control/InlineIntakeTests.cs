using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Permissions;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>
/// With the built-in registry and rule the controller takes its events on the socket's read loop; application code
/// (a <see cref="ICallRegistry.Changes"/> subscriber) can then neither hold it up nor make it lose events.
/// </summary>
public class InlineIntakeTests
{
    private static readonly TimeSpan Patience = SupervisionHarness.Patience;

    [Fact]
    public async Task A_blocked_changes_subscriber_does_not_stop_a_supervisor_from_hearing_the_call()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        Assert.True(lab.Controller.TakesEventsInline);
        FakeCall call = await lab.OliviaTalksToAClientAsync();

        using var release = new ManualResetEventSlim(false);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable stall = lab.Registry.Changes.Subscribe(_ =>
        {
            held.TrySetResult();
            release.Wait(Patience);
        });

        try
        {
            FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");

            // The subscriber was held on the supervisor's first change and still is.
            Assert.True(held.Task.IsCompleted);
            Assert.False(release.IsSet);
            Assert.True(lab.Switch.Hears(benjamin.Uuid, call.ALeg.Uuid));
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task A_blocked_changes_subscriber_costs_the_controller_no_event_when_the_buffers_overflow()
    {
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret" });
        foreach (var (ext, name) in new[] { ("1004", "Olivia"), ("1010", "Benjamin"), ("1011", "Lena") })
        {
            fs.AddUser(new FakeUser(ext, "pbx.lab", name));
        }

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new TestOptionsMonitor<SupervisionOptions>(SupervisionHarness.LabOptions());

        // Every buffer of this connection holds 16 events; the controller's intake has none.
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "lab-secret", EventBufferCapacity = 16 });
        await client.ConnectAsync().WaitAsync(Patience);
        using var registry = new CallRegistry();
        var authorizer = new SupervisionAuthorizer(new RingGroupPermissionProvider(options), registry, options, time);
        await using var controller = new SupervisionController(client, registry, authorizer, options, time);
        await controller.StartAsync().WaitAsync(Patience);

        FakeChannel ending = fs.DialParked("1004", "pbx.lab", "5000");
        using var release = new ManualResetEventSlim(false);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable stall = registry.Changes.Subscribe(_ =>
        {
            held.TrySetResult();
            release.Wait(Patience);
        });

        try
        {
            fs.DialParked("1010", "pbx.lab", "5001");
            await held.Task.WaitAsync(Patience);

            // While the subscriber is held: one call ends, one starts, then a flood three times the buffers' size.
            fs.Hangup(ending.Uuid);
            FakeChannel starting = fs.DialParked("1011", "pbx.lab", "5002");
            await client.SubscribeAsync(["HEARTBEAT"]).WaitAsync(Patience);
            Task flooded = client.Events.FirstAsync(e => e["Marker"] == "last").ToTask();
            for (int i = 0; i < 48; i++)
            {
                fs.PublishEvent([new("Event-Name", "HEARTBEAT"), new("Marker", i == 47 ? "last" : "filler")]);
            }

            await flooded.WaitAsync(Patience);

            // The intake ran before any buffer, on the read loop: by the time a subscriber of Events sees the last
            // event, the registry has applied everything before it, and nothing was lost or resynced.
            Assert.True(registry.GetLeg(ending.Uuid) is null or { State: CallLegState.Ended });
            Assert.Equal(CallLegState.Parked, registry.GetLeg(starting.Uuid)?.State);
            Assert.False(release.IsSet);
        }
        finally
        {
            release.Set();
        }
    }
}
