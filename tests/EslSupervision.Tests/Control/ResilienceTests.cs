using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>The supervision lives in the switch; the controller's connection and process may come and go.</summary>
public class ResilienceTests
{
    [Fact]
    public async Task After_the_connection_drops_and_comes_back_the_supervisors_keys_still_work()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*911004");

        Task reconnected = WaitForStateAsync(lab.Client, EslConnectionState.Reconnecting)
            .ContinueWith(_ => WaitForStateAsync(lab.Client, EslConnectionState.Connected), TaskScheduler.Default).Unwrap();
        lab.Switch.Connections.Single().Abort();
        await reconnected.WaitAsync(SupervisionHarness.Patience);

        // The new connection must be subscribed again before the key is pressed.
        FakeConnection second = await lab.Switch.WaitForConnectionAsync(2).WaitAsync(SupervisionHarness.Patience);
        await second.WaitForCommandAsync(c => c.StartsWith("api show calls", StringComparison.Ordinal)).WaitAsync(SupervisionHarness.Patience);

        await lab.Switch.PressDigitAsync(benjamin.Uuid, '2');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Barge);
        Assert.True(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
        Assert.True(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
    }

    [Fact]
    public async Task A_restarted_controller_adopts_the_running_supervision_and_releases_the_supervisor_at_the_end()
    {
        await using var first = await SupervisionHarness.StartAsync();
        FakeCall call = await first.OliviaTalksToAClientAsync();
        FakeChannel benjamin = await first.SuperviseAsync("1010", "*911004");

        // A second controller process on the same switch (the first one is left idle, as if it had died).
        await using var second = await SupervisionHarness.AttachAsync(first.Switch, first.Options);
        SupervisionInfo adopted = Assert.Single(second.Controller.ActiveSupervisions);
        Assert.Equal(call.BLeg.Uuid, adopted.AgentLegId);
        Assert.Equal(SupervisionMode.Whisper, adopted.Mode);
        await first.Controller.DisposeAsync();

        await first.Switch.PressDigitAsync(benjamin.Uuid, '0');
        await second.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Spy);
        Assert.False(first.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));

        first.Switch.Hangup(call.ALeg.Uuid);
        Assert.Equal(SupervisionEndReason.AgentCallEnded, (await second.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid)).EndReason);
        await first.HungUpAsync(benjamin.Uuid);
    }

    private static Task WaitForStateAsync(EslInboundClient client, EslConnectionState state)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IDisposable? subscription = null;
        subscription = client.StateChanges.Subscribe(s =>
        {
            if (s == state)
            {
                reached.TrySetResult();
            }
        });
        return reached.Task.ContinueWith(_ => subscription.Dispose(), TaskScheduler.Default);
    }
}
