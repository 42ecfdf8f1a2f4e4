using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using EslSupervision.Testing;

namespace EslSupervision.Tests.Control;

/// <summary>
/// Who the supervisor is: only an inbound, digest-authenticated leg with strict characters; outbound sessions only
/// when the inbound connection knows their channel with the same identity; nothing FreeSWITCH would expand reaches the wire.
/// </summary>
public class IdentityTests
{
    private static void NothingExpandableOnTheWire(SupervisionHarness lab)
    {
        Assert.DoesNotContain(lab.AllCommands, c => c.Contains("${", StringComparison.Ordinal) || c.Contains("$${", StringComparison.Ordinal) || c.Contains('}'));
        Assert.DoesNotContain(lab.AllCommands, c => c.Contains("execute-app-name: eavesdrop", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1010${system rm}", "pbx.lab")]
    [InlineData("1010$${hostname}", "pbx.lab")]
    [InlineData("10{10}", "pbx.lab")]
    [InlineData("1010", "pbx${domain}.lab")]
    public async Task A_hostile_user_or_domain_in_the_event_is_refused_audibly_and_never_reaches_the_wire(string user, string domain)
    {
        // A provider that allows everyone: only the identity check stands between the value and a "set" argument.
        await using var lab = await SupervisionHarness.StartAsync(provider: new AllowEveryone());
        await lab.OliviaTalksToAClientAsync();

        FakeChannel caller = lab.Switch.DialParked(user, domain, "*901004");

        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, caller.Uuid);
        Assert.Equal(DenialReason.Unauthenticated, denied.DenialReason);
        Assert.Equal("CALL_REJECTED", (await lab.HungUpAsync(caller.Uuid)).HangupCause);
        Assert.Contains(lab.AllCommands, c => c.StartsWith("sendmsg " + caller.Uuid, StringComparison.Ordinal) && c.Contains("execute-app-name: playback", StringComparison.Ordinal));
        NothingExpandableOnTheWire(lab);
    }

    [Fact]
    public async Task A_parked_outbound_leg_with_user_variables_is_not_a_supervisor()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await lab.OliviaTalksToAClientAsync();
        string uuid = Guid.NewGuid().ToString();

        // An outbound leg (e.g. originated to a user) that carries user_name/domain_name is not digest-authenticated.
        lab.Switch.PublishEvent(
        [
            new("Event-Name", "CHANNEL_PARK"),
            new("Unique-ID", uuid),
            new("Call-Direction", "outbound"),
            new("Channel-Name", "sofia/internal/1010@pbx.lab"),
            new("Caller-Destination-Number", "*901004"),
            new("variable_user_name", "1010"),
            new("variable_domain_name", "pbx.lab"),
        ]);

        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, uuid);
        Assert.Equal(DenialReason.Unauthenticated, denied.DenialReason);
        Assert.Null(denied.Supervisor);
        NothingExpandableOnTheWire(lab);
    }

    [Fact]
    public async Task An_outbound_session_whose_channel_the_switch_never_reported_gets_nothing()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await using var listener = new EslOutboundListener(new EslOutboundListenerOptions { Port = 0 }, lab.Controller.HandleOutboundSessionAsync);
        await listener.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();

        // A local process pretending to be the switch: its own "switch", unknown to the controller's inbound connection.
        await using FakeFreeSwitch impostor = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "x" });
        var (leg, socket) = await impostor.DialSocketAsync("1010", "pbx.lab", "*901004", listener.LocalEndPoint!).WaitAsync(SupervisionHarness.Patience);

        await socket.Closed.WaitAsync(SupervisionHarness.Patience); // The controller hung up on it.
        Assert.All(socket.ReceivedCommands, c => Assert.StartsWith("connect", c, StringComparison.Ordinal));
        Assert.DoesNotContain(lab.AuditTrail, e => e.SupervisorLegId == leg.Uuid);
        Assert.Null(lab.Switch.GetEavesdropTarget(leg.Uuid));
        Assert.False(lab.Switch.Hears(leg.Uuid, call.BLeg.Uuid));
    }

    [Fact]
    public async Task An_outbound_session_claiming_another_identity_than_the_switch_reported_gets_nothing()
    {
        await using var lab = await SupervisionHarness.StartAsync();
        await using var listener = new EslOutboundListener(new EslOutboundListenerOptions { Port = 0 }, lab.Controller.HandleOutboundSessionAsync);
        await listener.StartAsync();
        await lab.OliviaTalksToAClientAsync();

        await using FakeFreeSwitch impostor = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "x" });
        var (leg, socket) = await impostor.DialSocketAsync("1010", "pbx.lab", "*901004", listener.LocalEndPoint!).WaitAsync(SupervisionHarness.Patience);

        // The real switch knows that channel id as Sam's (1005) leg; the impostor claims Benjamin (1010).
        lab.Switch.PublishEvent(
        [
            new("Event-Name", "CHANNEL_CREATE"),
            new("Unique-ID", leg.Uuid),
            new("Call-Direction", "inbound"),
            new("Channel-Name", "sofia/internal/1005@pbx.lab"),
            new("Caller-Destination-Number", "5551000"),
            new("variable_user_name", "1005"),
            new("variable_domain_name", "pbx.lab"),
        ]);

        await socket.Closed.WaitAsync(SupervisionHarness.Patience); // The controller hung up on it.
        Assert.All(socket.ReceivedCommands, c => Assert.StartsWith("connect", c, StringComparison.Ordinal));
        Assert.DoesNotContain(lab.AuditTrail, e => e.SupervisorLegId == leg.Uuid);
    }

    private sealed class AllowEveryone : ISupervisionPermissionProvider
    {
        public ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
            => ValueTask.FromResult(PermissionDecision.Allow());
    }
}
