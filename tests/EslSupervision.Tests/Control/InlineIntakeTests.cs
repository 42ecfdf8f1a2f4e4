using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using EslSupervision.Tests.Calls;
using EslSupervision.Tests.Hosting;
using EslSupervision.Tests.Permissions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>
/// With the built-in registry and rule the controller takes its events on the socket's read loop; application code
/// (a <see cref="ICallRegistry.Changes"/> subscriber) can then neither hold it up nor make it lose events.
/// </summary>
public class InlineIntakeTests
{
    private static readonly TimeSpan Patience = SupervisionHarness.Patience;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_hosted_controller_is_inline_only_with_the_built_in_rule_and_supervises_either_way(bool customRule)
    {
        // A rule of the application's own may be slow: it must never run on the socket's read loop.
        Action<IServiceCollection>? register = customRule ? s => s.AddSingleton<IAgentLegRule>(new AgentLegRuleTests.PresenceRule()) : null;
        await using LabHost lab = await LabHost.StartAsync(after: register);
        Assert.Equal(!customRule, lab.Controller.TakesEventsInline);

        FakeCall call = await lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"), "1004");
        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == benjamin.Uuid).WaitAsync(Patience);
        await lab.Switch.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.CurrentApplication == "eavesdrop").WaitAsync(Patience);
        Assert.True(lab.Switch.Hears(benjamin.Uuid, call.ALeg.Uuid));
    }

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
