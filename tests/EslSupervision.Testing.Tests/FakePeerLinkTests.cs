using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Testing.Tests;

/// <summary>
/// Peer links between fakes (issue 10): a supervisor's leg parked on switch A is bridged to B over the inter-switch trunk,
/// arrives on B as an inbound call from another switch, and B's controller runs eavesdrop on it. Driven over raw ESL.
/// </summary>
public sealed class FakePeerLinkTests
{
    private const string Token = "sup-eyJhIjoxfQ_x-Y.Q2hlY2s";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static Task<FakeFreeSwitch> StartAsync(string sip, Func<FakeTrunkCall, string?>? filter = null, bool answerTrunkCalls = false) =>
        FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions
        {
            Password = "secret",
            SipAddress = sip,
            Hostname = sip,
            TrunkCallFilter = filter,
            AnswerTrunkCalls = answerTrunkCalls,
        });

    private static Task<Frame> SendMsgAsync(TestClient c, string uuid, string app, string? arg = null) =>
        c.CommandAsync($"sendmsg {uuid}\ncall-command: execute\nexecute-app-name: {app}" + (arg is null ? string.Empty : $"\nexecute-app-arg: {arg}"));

    private static async Task<TestClient> ControllerAsync(FakeFreeSwitch fs)
    {
        var c = await TestClient.ConnectAsync(fs.Port);
        await c.CommandAsync("event plain ALL");
        return c;
    }

    /// <summary>Bridges the supervisor's parked leg on A to B and waits until B's leg exists and is parked.</summary>
    private static async Task<FakeChannel> HandOffAsync(FakeFreeSwitch b, TestClient onA, FakeChannel sup, string dial = "sofia/gateway/to-b/" + Token, string token = Token)
    {
        await SendMsgAsync(onA, sup.Uuid, "bridge", dial);
        var leg = await b.WaitForTrunkCallAsync(token).WaitAsync(Timeout);
        return await b.WaitForChannelAsync(c => c.Uuid == leg.Uuid && (c.IsParked || c.IsHungUp)).WaitAsync(Timeout);
    }

    /// <summary>B's controller side of a supervision: answer, settings, digit bindings, eavesdrop on the agent's leg.</summary>
    private static async Task StartEavesdropOnBAsync(TestClient onB, string legOnB, string agent, params string[] sets)
    {
        await SendMsgAsync(onB, legOnB, "answer");
        foreach (var s in sets)
        {
            await SendMsgAsync(onB, legOnB, "set", s);
        }

        foreach (var d in "012")
        {
            await SendMsgAsync(onB, legOnB, "bind_digit_action", $"esl_supervision,{d},exec[i]:event,ESL-Supervision-Digit={d}");
        }

        await SendMsgAsync(onB, legOnB, "digit_action_set_realm", "esl_supervision");
        await SendMsgAsync(onB, legOnB, "eavesdrop", agent);
        await onB.ReadEventAsync("MEDIA_BUG_START", f => f.Event("Unique-ID") == agent);
    }

    [Fact]
    public async Task Bridge_to_a_peer_gateway_arrives_on_the_peer_as_an_unauthenticated_inbound_call_from_the_callers_address()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var sup = a.DialParked("1010", "pbx.lab", "*901004", callerIdNumber: "4930100");

        await SendMsgAsync(onA, sup.Uuid, "bridge", "{sip_h_X-Esl-Hop=a,hangup_after_bridge=false}sofia/gateway/to-b/" + Token);

        var park = await onB.ReadEventAsync("CHANNEL_PARK");
        Assert.Equal("inbound", park.Event("Call-Direction"));
        Assert.Equal(Token, park.Event("Caller-Destination-Number"));
        Assert.Equal("public", park.Event("Caller-Context"));
        Assert.Equal("4930100", park.Event("Caller-Caller-ID-Number"));
        Assert.Equal("1010", park.Event("Caller-Caller-ID-Name"));
        Assert.Equal("10.0.0.1", park.Event("Caller-Network-Addr"));
        Assert.Equal("10.0.0.1", park.Event("variable_sip_network_ip"));
        Assert.Equal("10.0.0.1", park.Event("variable_sip_received_ip"));
        Assert.Equal("5080", park.Event("variable_sip_network_port"));
        Assert.Equal(Token, park.Event("variable_sip_req_user"));
        Assert.Equal("a", park.Event("variable_sip_h_X-Esl-Hop"));
        Assert.Null(park.Event("variable_hangup_after_bridge")); // channel variables stay on A; only X- headers travel
        Assert.Equal($"sofia/external/4930100@10.0.0.1", park.Event("Channel-Name"));
        foreach (var digest in new[] { "variable_sip_authorized", "variable_user_name", "variable_domain_name", "variable_sip_auth_username", "variable_sip_auth_realm", "variable_number_alias" })
        {
            Assert.Null(park.Event(digest));
        }

        // On A: the outbound trunk leg (originator = the supervisor's leg); no bridge before B answers.
        var created = await onA.ReadEventAsync("CHANNEL_CREATE", f => f.Event("Call-Direction") == "outbound");
        Assert.Equal($"sofia/external/{Token}@10.0.0.2:5080", created.Event("Channel-Name"));
        Assert.Equal("originator", created.Event("Other-Type"));
        Assert.Equal(sup.Uuid, created.Event("Other-Leg-Unique-ID"));
        Assert.Equal("to-b", created.Event("variable_sip_gateway_name"));
        var outLeg = a.GetChannel(created.Event("Unique-ID")!)!;
        var onBLeg = b.GetChannel(park.Event("Unique-ID")!)!;
        Assert.Equal(onBLeg.Uuid, outLeg.TrunkPeerUuid);
        Assert.Equal(outLeg.Uuid, onBLeg.TrunkPeerUuid);
        Assert.Null(sup.BridgedTo);
        Assert.False(a.Hears(sup.Uuid, onBLeg.Uuid));

        // B's controller answers: A's bridge completes (CHANNEL_ANSWER of the trunk leg, CHANNEL_BRIDGE on the supervisor's leg).
        await SendMsgAsync(onB, onBLeg.Uuid, "answer");
        var bridge = await onA.ReadEventAsync("CHANNEL_BRIDGE");
        Assert.Equal(sup.Uuid, bridge.Event("Bridge-A-Unique-ID"));
        Assert.Equal(outLeg.Uuid, bridge.Event("Bridge-B-Unique-ID"));
        Assert.Equal(sup.Uuid, bridge.Event("Unique-ID"));
        Assert.Equal("originatee", bridge.Event("Other-Type"));
        Assert.Equal(outLeg.Uuid, bridge.Event("Other-Leg-Unique-ID"));
        Assert.Equal("SUCCESS", bridge.Event("variable_originate_disposition"));
        Assert.Equal(outLeg.Uuid, sup.BridgedTo);
        Assert.True(a.Hears(sup.Uuid, outLeg.Uuid));
        Assert.True(b.Hears(outLeg.Uuid, sup.Uuid));
    }

    [Theory]
    [InlineData("spy", new string[0], false, false)]
    [InlineData("whisper", new[] { "eavesdrop_whisper_bleg=true" }, true, false)]
    [InlineData("barge", new[] { "eavesdrop_whisper_bleg=true", "eavesdrop_whisper_aleg=true" }, true, true)]
    public async Task Eavesdrop_run_on_the_peer_leg_carries_the_supervisor_on_A_to_the_call_on_B(string mode, string[] sets, bool agentHearsSup, bool clientHearsSup)
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var call = b.ClientCallsAgent("4915550001", "Zoë Ünal 山田", "5551000", "1004", "pbx.lab");
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        var legOnB = await HandOffAsync(b, onA, sup);
        Assert.False(a.Hears(sup.Uuid, call.BLeg.Uuid), mode);

        await StartEavesdropOnBAsync(onB, legOnB.Uuid, call.BLeg.Uuid, ["eavesdrop_enable_dtmf=false", .. sets]);
        await a.WaitForChannelAsync(c => c.Uuid == sup.Uuid && c.BridgedTo is not null).WaitAsync(Timeout);

        foreach (var fs in new[] { a, b })
        {
            Assert.True(fs.Hears(sup.Uuid, call.BLeg.Uuid), mode);
            Assert.True(fs.Hears(sup.Uuid, call.ALeg.Uuid), mode);
            Assert.Equal(agentHearsSup, fs.Hears(call.BLeg.Uuid, sup.Uuid));
            Assert.Equal(clientHearsSup, fs.Hears(call.ALeg.Uuid, sup.Uuid));
            Assert.True(fs.Hears(call.ALeg.Uuid, call.BLeg.Uuid), mode);
        }
    }

    [Fact]
    public async Task Digits_pressed_on_A_cross_the_bridge_and_reach_the_digit_bindings_on_B()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var call = b.ClientCallsAgent("4915550001", "Zoë Ünal 山田", "5551000", "1004", "pbx.lab");
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        var legOnB = await HandOffAsync(b, onA, sup);
        await StartEavesdropOnBAsync(onB, legOnB.Uuid, call.BLeg.Uuid, "eavesdrop_enable_dtmf=false");
        await a.WaitForChannelAsync(c => c.Uuid == sup.Uuid && c.BridgedTo is not null).WaitAsync(Timeout);

        await a.PressDigitAsync(sup.Uuid, '2');

        // A: the digit is read from the phone (DTMF event on the supervisor's leg) and sent on over the trunk.
        var dtmfOnA = await onA.ReadEventAsync("DTMF");
        Assert.Equal(sup.Uuid, dtmfOnA.Event("Unique-ID"));
        Assert.Equal("2", dtmfOnA.Event("DTMF-Digit"));

        // B: the binding on the arriving leg relays it; native eavesdrop digits stay off, so the mode is the controller's to change.
        var relay = await onB.ReadEventAsync("CHANNEL_APPLICATION");
        Assert.Equal(legOnB.Uuid, relay.Event("Unique-ID"));
        Assert.Equal("2", relay.Event("ESL-Supervision-Digit"));
        Assert.Equal(EavesdropFlags.None, b.GetEavesdropFlags(legOnB.Uuid));
        Assert.False(a.Hears(call.BLeg.Uuid, sup.Uuid));
        await onB.CommandAsync($"sendevent CUSTOM\nEvent-Subclass: esl_supervision::mode\nUnique-ID: {legOnB.Uuid}\neavesdrop-command: 2");
        Assert.True(a.Hears(call.BLeg.Uuid, sup.Uuid));
    }

    [Fact]
    public async Task Native_eavesdrop_digits_cross_too_when_not_disabled_on_B()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var call = b.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        var legOnB = await HandOffAsync(b, onA, sup);
        await StartEavesdropOnBAsync(onB, legOnB.Uuid, call.BLeg.Uuid);
        await a.WaitForChannelAsync(c => c.Uuid == sup.Uuid && c.BridgedTo is not null).WaitAsync(Timeout);

        await a.PressDigitAsync(sup.Uuid, '1');

        var dtmfOnB = await onB.ReadEventAsync("DTMF");
        Assert.Equal(legOnB.Uuid, dtmfOnB.Event("Unique-ID"));
        Assert.Equal("1", dtmfOnB.Event("DTMF-Digit"));
        Assert.True(a.Hears(call.ALeg.Uuid, sup.Uuid)); // the documented trap, one switch away
        Assert.False(a.Hears(call.BLeg.Uuid, sup.Uuid));
    }

    [Fact]
    public async Task Peer_leg_killed_on_B_ends_the_bridge_and_the_supervisor_parks_on_at_A()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080", answerTrunkCalls: true);
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        await SendMsgAsync(onA, sup.Uuid, "bridge", "sofia/gateway/to-b/" + Token + "\nEvent-UUID: 6f1d0c1e-0000-4000-8000-000000000001");
        var bridge = await onA.ReadEventAsync("CHANNEL_BRIDGE");
        var outLeg = a.GetChannel(bridge.Event("Bridge-B-Unique-ID")!)!;

        Assert.Equal("+OK", (await onB.CommandAsync($"api uuid_kill {outLeg.TrunkPeerUuid}")).BodyText.Trim());

        var unbridge = await onA.ReadEventAsync("CHANNEL_UNBRIDGE");
        Assert.Equal(sup.Uuid, unbridge.Event("Unique-ID"));
        var done = await onA.ReadEventAsync("CHANNEL_EXECUTE_COMPLETE", f => f.Event("Application") == "bridge");
        Assert.Equal("6f1d0c1e-0000-4000-8000-000000000001", done.Event("Application-UUID"));
        Assert.Equal(sup.Uuid, done.Event("Unique-ID"));
        Assert.True(outLeg.IsHungUp);
        Assert.Equal("NORMAL_CLEARING", outLeg.HangupCause);
        Assert.False(sup.IsHungUp);
        Assert.True(sup.IsParked);
        Assert.Null(sup.BridgedTo);
    }

    [Fact]
    public async Task Peer_leg_killed_on_B_hangs_the_supervisor_up_with_hangup_after_bridge()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080", answerTrunkCalls: true);
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        await SendMsgAsync(onA, sup.Uuid, "set", "hangup_after_bridge=true");
        var legOnB = await HandOffAsync(b, onA, sup);
        await onA.ReadEventAsync("CHANNEL_BRIDGE");

        await onB.CommandAsync($"api uuid_kill {legOnB.Uuid}");

        var gone = await a.WaitForChannelAsync(c => c.Uuid == sup.Uuid && c.IsHungUp).WaitAsync(Timeout);
        Assert.Equal("NORMAL_CLEARING", gone.HangupCause);
    }

    [Fact]
    public async Task Supervisor_hanging_up_on_A_hangs_up_the_peer_leg_on_B()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var call = b.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        var legOnB = await HandOffAsync(b, onA, sup);
        await StartEavesdropOnBAsync(onB, legOnB.Uuid, call.BLeg.Uuid, "eavesdrop_enable_dtmf=false");
        await a.WaitForChannelAsync(c => c.Uuid == sup.Uuid && c.BridgedTo is not null).WaitAsync(Timeout);

        a.Hangup(sup.Uuid);

        var hangup = await onB.ReadEventAsync("CHANNEL_HANGUP", f => f.Event("Unique-ID") == legOnB.Uuid);
        Assert.Equal("NORMAL_CLEARING", hangup.Event("Hangup-Cause"));
        await onB.ReadEventAsync("CHANNEL_EXECUTE_COMPLETE", f => f.Event("Application") == "eavesdrop");
        Assert.False(call.BLeg.IsHungUp);
        Assert.False(a.Hears(call.BLeg.Uuid, sup.Uuid));
    }

    [Fact]
    public async Task Supervisor_hanging_up_before_B_answers_cancels_the_peer_leg()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        var legOnB = await HandOffAsync(b, onA, sup);

        a.Hangup(sup.Uuid);

        var gone = await b.WaitForChannelAsync(c => c.Uuid == legOnB.Uuid && c.IsHungUp).WaitAsync(Timeout);
        Assert.Equal("ORIGINATOR_CANCEL", gone.HangupCause);
    }

    [Fact]
    public async Task Outbound_trunk_leg_killed_on_A_before_B_answers_fails_the_bridge_and_cancels_B()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        await SendMsgAsync(onA, sup.Uuid, "set", "continue_on_fail=true");
        var legOnB = await HandOffAsync(b, onA, sup);

        await onA.CommandAsync($"api uuid_kill {legOnB.TrunkPeerUuid} USER_BUSY");

        var done = await onA.ReadEventAsync("CHANNEL_EXECUTE_COMPLETE", f => f.Event("Application") == "bridge");
        Assert.Equal("USER_BUSY", done.Event("variable_originate_failed_cause"));
        Assert.False(sup.IsHungUp);
        var cancelled = await b.WaitForChannelAsync(c => c.Uuid == legOnB.Uuid && c.IsHungUp).WaitAsync(Timeout);
        Assert.Equal("ORIGINATOR_CANCEL", cancelled.HangupCause);
    }

    [Fact]
    public async Task A_disposed_peer_ends_the_bridged_legs_on_A_as_after_an_rtp_timeout()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        var b = await StartAsync("10.0.0.2:5080", answerTrunkCalls: true);
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        await HandOffAsync(b, onA, sup);
        var bridge = await onA.ReadEventAsync("CHANNEL_BRIDGE");
        var outLeg = a.GetChannel(bridge.Event("Bridge-B-Unique-ID")!)!;

        await b.DisposeAsync();

        await a.WaitForChannelAsync(c => c.Uuid == outLeg.Uuid && c.IsHungUp).WaitAsync(Timeout);
        Assert.Equal("MEDIA_TIMEOUT", outLeg.HangupCause);
        await onA.ReadEventAsync("CHANNEL_EXECUTE_COMPLETE", f => f.Event("Application") == "bridge");
        Assert.False(sup.IsHungUp);

        // The gateway still exists, but nothing answers there any more.
        await SendMsgAsync(onA, sup.Uuid, "bridge", "sofia/gateway/to-b/" + Token);
        var failed = await a.WaitForChannelAsync(c => c.Uuid == sup.Uuid && c.IsHungUp).WaitAsync(Timeout);
        Assert.Equal("RECOVERY_ON_TIMER_EXPIRE", failed.HangupCause);
    }

    [Fact]
    public async Task Peer_leg_nobody_answers_is_cancelled_after_call_timeout_and_the_bridge_fails_with_no_answer()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var a = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "secret", SipAddress = "10.0.0.1", TimeProvider = time, HeartbeatInterval = null });
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        var sup = a.DialParked("1010", "pbx.lab", "*901004", parkTimeoutSeconds: 10);
        await SendMsgAsync(onA, sup.Uuid, "set", "call_timeout=20");
        var legOnB = await HandOffAsync(b, onA, sup);

        time.Advance(TimeSpan.FromSeconds(19)); // the park timeout does not end a leg that is bridging
        Assert.False(sup.IsHungUp);
        Assert.False(legOnB.IsHungUp);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("NO_ANSWER", sup.HangupCause);
        var cancelled = await b.WaitForChannelAsync(c => c.Uuid == legOnB.Uuid && c.IsHungUp).WaitAsync(Timeout);
        Assert.Equal("ORIGINATOR_CANCEL", cancelled.HangupCause);
    }

    [Fact]
    public async Task Uuid_transfer_inline_bridge_hands_off_to_the_peer_and_the_leg_hangs_up_when_the_bridge_ends()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");

        Assert.Equal("+OK", (await onA.CommandAsync($"api uuid_transfer {sup.Uuid} bridge:sofia/gateway/to-b/{Token} inline")).BodyText.Trim());

        await onA.ReadEventAsync("CHANNEL_UNPARK", f => f.Event("Unique-ID") == sup.Uuid);
        var legOnB = await b.WaitForTrunkCallAsync(Token).WaitAsync(Timeout);
        await b.WaitForChannelAsync(c => c.Uuid == legOnB.Uuid && c.IsParked).WaitAsync(Timeout);
        await SendMsgAsync(onB, legOnB.Uuid, "answer");
        await onA.ReadEventAsync("CHANNEL_BRIDGE", f => f.Event("Unique-ID") == sup.Uuid);
        await onB.CommandAsync($"api uuid_kill {legOnB.Uuid}");

        var gone = await a.WaitForChannelAsync(c => c.Uuid == sup.Uuid && c.IsHungUp).WaitAsync(Timeout);
        Assert.Equal("NORMAL_CLEARING", gone.HangupCause);
    }

    [Fact]
    public async Task Bridge_to_an_unknown_gateway_fails_with_invalid_gateway_and_hangs_the_caller_up()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var onA = await ControllerAsync(a);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");

        await SendMsgAsync(onA, sup.Uuid, "bridge", "sofia/gateway/to-b/" + Token);

        var hangup = await onA.ReadEventAsync("CHANNEL_HANGUP", f => f.Event("Unique-ID") == sup.Uuid);
        Assert.Equal("INVALID_GATEWAY", hangup.Event("Hangup-Cause"));
        Assert.Equal("INVALID_GATEWAY", hangup.Event("variable_originate_disposition"));
        var done = await onA.ReadEventAsync("CHANNEL_EXECUTE_COMPLETE", f => f.Event("Application") == "bridge");
        Assert.Equal("INVALID_GATEWAY", done.Event("variable_originate_failed_cause"));
        Assert.DoesNotContain(a.Channels, c => c.Direction == "outbound");
    }

    [Fact]
    public async Task Bridge_failure_with_continue_on_fail_leaves_the_supervisor_parked()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var onA = await ControllerAsync(a);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");
        await SendMsgAsync(onA, sup.Uuid, "set", "continue_on_fail=true");

        await SendMsgAsync(onA, sup.Uuid, "bridge", $"sofia/external/{Token}@10.0.0.9:5080");

        var done = await onA.ReadEventAsync("CHANNEL_EXECUTE_COMPLETE", f => f.Event("Application") == "bridge");
        Assert.Equal("RECOVERY_ON_TIMER_EXPIRE", done.Event("variable_originate_disposition"));
        Assert.False(sup.IsHungUp);
        Assert.True(sup.IsParked);
    }

    [Fact]
    public async Task Peer_refusing_the_caller_by_address_hangs_up_its_leg_and_fails_the_bridge_with_its_cause()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080", filter: call => call.SourceAddress.StartsWith("10.0.0.3:", StringComparison.Ordinal) ? null : "CALL_REJECTED");
        a.LinkPeer(b, "to-b");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        var sup = a.DialParked("1010", "pbx.lab", "*901004");

        await SendMsgAsync(onA, sup.Uuid, "bridge", "sofia/gateway/to-b/" + Token);

        var refused = await onB.ReadEventAsync("CHANNEL_HANGUP");
        Assert.Equal("CALL_REJECTED", refused.Event("Hangup-Cause"));
        Assert.Equal(Token, refused.Event("Caller-Destination-Number"));
        var gone = await a.WaitForChannelAsync(c => c.Uuid == sup.Uuid && c.IsHungUp).WaitAsync(Timeout);
        Assert.Equal("CALL_REJECTED", gone.HangupCause);
        Assert.DoesNotContain(b.Channels, c => c.IsParked);
    }

    [Fact]
    public async Task Three_switches_gateway_and_sip_uri_forms_reach_the_right_peer_and_hears_follows_each_link()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080", answerTrunkCalls: true);
        await using var c = await StartAsync("fs-c.lab", answerTrunkCalls: true);
        a.LinkPeer(b, "to-b", returnGatewayName: "to-a");
        a.LinkPeer(c, "to-c");
        await using var onA = await ControllerAsync(a);
        await using var onB = await ControllerAsync(b);
        await using var onC = await ControllerAsync(c);
        var callB = b.ClientCallsAgent("4915550001", "Client B", "5551000", "1004", "pbx.lab");
        var callC = c.ClientCallsAgent("4915550002", "Client C", "5552000", "1005", "pbx.lab");
        var sup1 = a.DialParked("1010", "pbx.lab", "*901004");
        var sup2 = a.DialParked("1011", "pbx.lab", "*901005");

        var legOnB = await HandOffAsync(b, onA, sup1, "sofia/gateway/to-b/sup-1", "sup-1");
        var legOnC = await HandOffAsync(c, onA, sup2, "sofia/external/sip:sup-2@FS-C.lab:5060;transport=udp", "sup-2");
        Assert.Equal("fs-c.lab:5060", c.SipAddress);
        Assert.DoesNotContain(c.Channels, x => x.DestinationNumber == "sup-1");
        Assert.DoesNotContain(b.Channels, x => x.DestinationNumber == "sup-2");
        await StartEavesdropOnBAsync(onB, legOnB.Uuid, callB.BLeg.Uuid, "eavesdrop_whisper_bleg=true");
        await StartEavesdropOnBAsync(onC, legOnC.Uuid, callC.BLeg.Uuid);
        await a.WaitForChannelAsync(x => x.Uuid == sup2.Uuid && x.BridgedTo is not null).WaitAsync(Timeout);

        // Any of the three resolves legs on the others (B and C are linked only through A).
        foreach (var fs in new[] { a, b, c })
        {
            Assert.True(fs.Hears(callB.BLeg.Uuid, sup1.Uuid));
            Assert.False(fs.Hears(callB.ALeg.Uuid, sup1.Uuid));
            Assert.True(fs.Hears(sup2.Uuid, callC.ALeg.Uuid));
            Assert.False(fs.Hears(callC.BLeg.Uuid, sup2.Uuid));
            Assert.False(fs.Hears(sup1.Uuid, callC.BLeg.Uuid));
            Assert.False(fs.Hears(sup2.Uuid, callB.BLeg.Uuid));
            Assert.False(fs.Hears(callB.BLeg.Uuid, sup2.Uuid));
        }

        // The return gateway: B can reach A the same way.
        Assert.Contains(a, b.Peers);
        var supOnB = b.DialParked("1012", "pbx.lab", "*901006");
        await SendMsgAsync(onB, supOnB.Uuid, "bridge", "sofia/gateway/to-a/sup-3");
        var back = await a.WaitForTrunkCallAsync("sup-3").WaitAsync(Timeout);
        Assert.Equal("10.0.0.2", back.GetVariable("sip_network_ip"));
    }

    [Fact]
    public async Task LinkPeer_refuses_self_links_duplicate_gateways_bad_names_and_shared_addresses()
    {
        await using var a = await StartAsync("10.0.0.1:5080");
        await using var b = await StartAsync("10.0.0.2:5080");
        await using var twin = await StartAsync("10.0.0.1:5080");
        Assert.Throws<ArgumentException>(() => a.LinkPeer(a, "self"));
        Assert.Throws<ArgumentException>(() => a.LinkPeer(b, "to b"));
        Assert.Throws<ArgumentException>(() => a.LinkPeer(b, "to-b\r\nx"));
        Assert.Throws<ArgumentException>(() => a.LinkPeer(twin, "to-twin"));
        a.LinkPeer(b, "to-b");
        Assert.Throws<InvalidOperationException>(() => a.LinkPeer(b, "TO-B"));
    }

    [Fact]
    public async Task Unlinked_fakes_keep_their_own_hears_and_a_default_sip_address_each()
    {
        await using var a = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "secret" });
        await using var b = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "secret" });
        Assert.NotEqual(a.SipAddress, b.SipAddress);
        var call = b.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");
        Assert.True(b.Hears(call.ALeg.Uuid, call.BLeg.Uuid));
        Assert.False(a.Hears(call.ALeg.Uuid, call.BLeg.Uuid));
    }
}
