using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>Outbound mode: the switch's socket application connects per service-code call; the same logic runs on that connection.</summary>
public class OutboundModeTests
{
    [Fact]
    public async Task A_socket_call_is_supervised_on_its_own_connection_and_switched_by_its_keys()
    {
        SupervisionOptions options = SupervisionHarness.LabOptions();
        options.SpyPrefix = "*80";
        options.WhisperPrefix = "*81";
        options.BargePrefix = "*82";
        await using var lab = await SupervisionHarness.StartAsync(options);
        await using var listener = new EslOutboundListener(new EslOutboundListenerOptions { Port = 0 }, lab.Controller.HandleOutboundSessionAsync);
        await listener.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();

        var (benjamin, socket) = await lab.Switch.DialSocketAsync("1010", "pbx.lab", "*811004", listener.LocalEndPoint!).WaitAsync(SupervisionHarness.Patience);
        await lab.WaitForAuditAsync(SupervisionAuditKind.Started, benjamin.Uuid);
        await lab.EavesdroppingAsync(benjamin.Uuid);

        // Everything for this call went over the socket connection, as the capture shows.
        Assert.StartsWith("connect", socket.ReceivedCommands[0], StringComparison.Ordinal);
        Assert.Contains(socket.ReceivedCommands, c => c.StartsWith("myevents", StringComparison.Ordinal));
        Assert.Contains(socket.ReceivedCommands, c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.Switch.Connections.Where(c => c != socket).SelectMany(c => c.ReceivedCommands), c => c.Contains(benjamin.Uuid, StringComparison.Ordinal) && c.StartsWith("sendmsg", StringComparison.Ordinal));

        Assert.True(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
        Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));

        await lab.Switch.PressDigitAsync(benjamin.Uuid, '2');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Barge);
        Assert.True(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
        Assert.Single(lab.AuditTrail, e => e.Kind == SupervisionAuditKind.ModeChanged);

        lab.Switch.Hangup(call.ALeg.Uuid);
        Assert.Equal(SupervisionEndReason.AgentCallEnded, (await lab.WaitForAuditAsync(SupervisionAuditKind.Ended, benjamin.Uuid)).EndReason);
        await lab.HungUpAsync(benjamin.Uuid);
    }
}
