using System.Text;
using EslSupervision.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Testing.Tests;

public sealed class FakeFreeSwitchTests
{
    private const string ZoeName = "Zoë Ünal 山田";

    private static Task<FakeFreeSwitch> StartAsync(TimeProvider? time = null) =>
        FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "secret", TimeProvider = time ?? TimeProvider.System });

    private static List<List<KeyValuePair<string, string>>> CaptureEvents(string capture)
    {
        var data = Captures.Server(capture);
        var list = new List<List<KeyValuePair<string, string>>>();
        foreach (var (start, length, head) in CaptureReplayServer.Frames(data))
        {
            if (head.Contains("text/event-plain", StringComparison.Ordinal))
            {
                var body = data.AsSpan(start, length).ToArray();
                var inner = body[(body.AsSpan().IndexOf("\n\n"u8) + 2)..];
                list.Add(Frame.Parse(inner).Headers);
            }
        }

        return list;
    }

    private static string? Get(List<KeyValuePair<string, string>> h, string name) => h.FirstOrDefault(p => p.Key == name).Value;

    private static List<string> NonVariableNames(List<KeyValuePair<string, string>> h) =>
        [.. h.Select(p => p.Key).Where(k => !k.StartsWith("variable_", StringComparison.Ordinal))];

    [Fact]
    public async Task Bad_auth_produces_the_captured_bytes_and_closes()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port, password: null);
        await c.SendAsync("auth lab-secret\n\n");
        var rest = await c.ReadToEndAsync();
        var expected = Captures.Server("inbound-bad-auth");
        var all = Encoding.ASCII.GetBytes("Content-Type: auth/request\n\n").Concat(rest).ToArray();
        Assert.Equal(expected, all);
    }

    [Fact]
    public async Task Commands_before_auth_and_unknown_commands_are_refused_with_exact_texts()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port, password: null);
        Assert.Equal("-ERR command not found", (await c.CommandAsync("api status"))["Reply-Text"]);
        Assert.Equal("+OK accepted", (await c.CommandAsync("auth secret\r\n\r\n"))["Reply-Text"]);
        Assert.Equal("-ERR command not found", (await c.CommandAsync("no_such_esl_command"))["Reply-Text"]);
        Assert.Equal("+OK event listener enabled json", (await c.CommandAsync("event json CHANNEL_CREATE"))["Reply-Text"]);
        Assert.Equal("+OK filter added. [Event-Name]=[CHANNEL_HANGUP_COMPLETE]", (await c.CommandAsync("filter Event-Name CHANNEL_HANGUP_COMPLETE"))["Reply-Text"]);
        Assert.Equal("+OK filter deleted. [Event-Name][CHANNEL_HANGUP_COMPLETE]", (await c.CommandAsync("filter delete Event-Name CHANNEL_HANGUP_COMPLETE"))["Reply-Text"]);
        Assert.Equal("+OK events nixed", (await c.CommandAsync("nixevent CHANNEL_CREATE"))["Reply-Text"]);
        Assert.Equal("+OK no longer listening for events", (await c.CommandAsync("noevents"))["Reply-Text"]);
        var api = await c.CommandAsync("api no_such_command at all");
        Assert.Equal("-ERR no_such_command Command not found!\n", api.BodyText);
        Assert.Equal("-ERR No such channel!\n", (await c.CommandAsync("api uuid_kill 00000000-0000-0000-0000-000000000000")).BodyText);
        Assert.Equal("-ERR invalid session id [00000000-0000-0000-0000-000000000000]",
            (await c.CommandAsync("sendmsg 00000000-0000-0000-0000-000000000000\ncall-command: execute\nexecute-app-name: answer"))["Reply-Text"]);
        Assert.Equal("+OK bye", (await c.CommandAsync("exit"))["Reply-Text"]);
        var notice = await c.ReadFrameAsync();
        Assert.Equal("text/disconnect-notice", notice["Content-Type"]);
        Assert.Equal(67, notice.Body.Length);
        var conn = await fs.WaitForConnectionAsync();
        Assert.Contains("exit", conn.ReceivedCommands);
        await conn.Closed.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Restricted_api_is_denied_as_a_command_reply()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        (await fs.WaitForConnectionAsync()).RestrictedApi = true;
        var r = await c.CommandAsync("api status");
        Assert.Equal("command/reply", r["Content-Type"]);
        Assert.Equal("-ERR permission denied", r["Reply-Text"]);
    }

    [Fact]
    public async Task Client_calls_agent_events_match_the_capture_in_order_and_header_names()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        await c.CommandAsync("event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_EXECUTE");
        var call = fs.ClientCallsAgent("4915550001", ZoeName, "5551000", "1004", "pbx.lab");
        var got = await c.ReadEventsUntilAsync(f => f.Event("Event-Name") == "CHANNEL_BRIDGE");

        var capture = CaptureEvents("supervision-client-calls-agent").Take(6).ToList();
        Assert.Equal(capture.Select(e => Get(e, "Event-Name")), got.Select(f => f.Event("Event-Name")));
        Assert.Equal(capture.Select(e => Get(e, "Call-Direction")), got.Select(f => f.Event("Call-Direction")));
        for (var i = 0; i < capture.Count; i++)
        {
            if (Get(capture[i], "Event-Name") is "CHANNEL_CREATE" or "CHANNEL_BRIDGE" or "CHANNEL_EXECUTE")
            {
                Assert.Equal(NonVariableNames(capture[i]), NonVariableNames(got[i].EventHeaders));
            }
        }

        var bridge = got[^1];
        Assert.Equal(call.ALeg.Uuid, bridge.Event("Bridge-A-Unique-ID"));
        Assert.Equal(call.BLeg.Uuid, bridge.Event("Bridge-B-Unique-ID"));
        Assert.Equal(call.BLeg.Uuid, bridge.Event("Other-Leg-Unique-ID"));
        var bCreate = got[2];
        Assert.Equal(call.ALeg.Uuid, bCreate.Event("Other-Leg-Unique-ID"));
        Assert.Equal("1004", bCreate.Event("variable_dialed_user"));
        Assert.Equal("pbx.lab", bCreate.Event("variable_dialed_domain"));
        Assert.Equal("1004", bridge.Event("variable_dialed_user"));

        // Inner Content-Length-less events end in one extra LF; Content-Length precedes Content-Type in the envelope.
        Assert.Equal("Content-Length", bridge.Headers[0].Key);
        Assert.EndsWith("\n\n", bridge.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_ascii_caller_name_is_url_encoded_as_utf8_with_uppercase_hex()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        await c.CommandAsync("event plain CHANNEL_CREATE");
        fs.ClientCallsAgent("4915550001", ZoeName, "5551000", "1004", "pbx.lab");
        var create = await c.ReadEventAsync("CHANNEL_CREATE");
        var raw = create.EventHeaders.First(h => h.Key == "Caller-Caller-ID-Name").Value;
        Assert.Equal("Zo%C3%AB%20%C3%9Cnal%20%E5%B1%B1%E7%94%B0", raw);
        Assert.Equal(ZoeName, Uri.UnescapeDataString(raw));
    }

    [Fact]
    public async Task Bgapi_replies_then_fires_background_job_with_nested_body()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        await c.CommandAsync("event plain BACKGROUND_JOB");
        var reply = await c.CommandAsync("bgapi status\nJob-UUID: 21bcf9ba-56b9-46c8-9ce5-5834a97e4861");
        Assert.Equal("+OK Job-UUID: 21bcf9ba-56b9-46c8-9ce5-5834a97e4861", reply["Reply-Text"]);
        Assert.Equal("21bcf9ba-56b9-46c8-9ce5-5834a97e4861", reply["Job-UUID"]);
        var job = await c.ReadEventAsync("BACKGROUND_JOB");
        Assert.Equal("21bcf9ba-56b9-46c8-9ce5-5834a97e4861", job.Event("Job-UUID"));
        Assert.Equal("status", job.Event("Job-Command"));
        var (inner, end) = Frame.Parse(job.Body);
        Assert.Equal("Content-Length", inner[^1].Key);
        var innerBody = job.Body[(end + 2)..];
        Assert.Equal(int.Parse(inner[^1].Value, System.Globalization.CultureInfo.InvariantCulture), innerBody.Length);
        Assert.StartsWith("UP ", Encoding.UTF8.GetString(innerBody), StringComparison.Ordinal);
    }

    private static async Task<(FakeCall Call, FakeChannel Sup)> StartEavesdropAsync(FakeFreeSwitch fs, TestClient c, bool targetAgent, string[] sets)
    {
        await c.CommandAsync("event plain CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_APPLICATION MEDIA_BUG_START MEDIA_BUG_STOP DTMF CHANNEL_HANGUP");
        var call = fs.ClientCallsAgent("4915550001", ZoeName, "5551000", "1004", "pbx.lab");
        var sup = fs.DialParked("1010", "pbx.lab", "*901004");
        await c.CommandAsync($"sendmsg {sup.Uuid}\ncall-command: execute\nexecute-app-name: answer");
        foreach (var s in sets)
        {
            await c.CommandAsync($"sendmsg {sup.Uuid}\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: {s}");
        }

        var target = targetAgent ? call.BLeg : call.ALeg;
        await c.CommandAsync($"sendmsg {sup.Uuid}\ncall-command: execute\nexecute-app-name: eavesdrop\nexecute-app-arg: {target.Uuid}\nEvent-UUID: 594f4213-7dc9-482c-bb55-22ae93534e59");
        var bug = await c.ReadEventAsync("MEDIA_BUG_START");
        Assert.Equal(target.Uuid, bug.Event("Unique-ID"));
        return (call, sup);
    }

    [Theory]
    [InlineData("spy", false, false, false)]
    [InlineData("whisper", true, false, true)]
    [InlineData("barge", true, true, true)]
    public async Task Eavesdrop_audio_table_on_the_agent_leg(string mode, bool bleg, bool aleg, bool agentHearsSup)
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        List<string> sets = ["eavesdrop_enable_dtmf=false"];
        if (bleg)
        {
            sets.Add("eavesdrop_whisper_bleg=true");
        }

        if (aleg)
        {
            sets.Add("eavesdrop_whisper_aleg=true");
        }

        var (call, sup) = await StartEavesdropAsync(fs, c, targetAgent: true, [.. sets]);
        var client = call.ALeg.Uuid;
        var agent = call.BLeg.Uuid;
        Assert.True(fs.Hears(client, agent), mode);
        Assert.True(fs.Hears(agent, client), mode);
        Assert.True(fs.Hears(sup.Uuid, agent), mode);
        Assert.True(fs.Hears(sup.Uuid, client), mode);
        Assert.Equal(agentHearsSup, fs.Hears(agent, sup.Uuid));
        Assert.Equal(aleg, fs.Hears(client, sup.Uuid));
    }

    [Fact]
    public async Task Whisper_on_the_client_leg_makes_the_client_hear_the_supervisor()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        var (call, sup) = await StartEavesdropAsync(fs, c, targetAgent: false, ["eavesdrop_enable_dtmf=false", "eavesdrop_whisper_bleg=true"]);
        Assert.True(fs.Hears(call.ALeg.Uuid, sup.Uuid));
        Assert.False(fs.Hears(call.BLeg.Uuid, sup.Uuid));
    }

    [Fact]
    public async Task Sendevent_eavesdrop_command_switches_modes_and_star_ends_leaving_the_supervisor_up()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        var (call, sup) = await StartEavesdropAsync(fs, c, targetAgent: true, ["eavesdrop_enable_dtmf=false"]);
        var r = await c.CommandAsync($"sendevent CUSTOM\nEvent-Subclass: esl_supervision::mode\nUnique-ID: {sup.Uuid}\neavesdrop-command: 2");
        Assert.StartsWith("+OK ", r["Reply-Text"], StringComparison.Ordinal);
        Assert.Equal(EavesdropFlags.MuxWrite, fs.GetEavesdropFlags(sup.Uuid));
        Assert.True(fs.Hears(call.BLeg.Uuid, sup.Uuid));
        await c.CommandAsync($"sendevent CUSTOM\nUnique-ID: {sup.Uuid}\neavesdrop-command: 3");
        Assert.Equal(EavesdropFlags.MuxRead | EavesdropFlags.MuxWrite, fs.GetEavesdropFlags(sup.Uuid));
        await c.CommandAsync($"sendevent CUSTOM\nUnique-ID: {sup.Uuid}\neavesdrop-command: *");
        await c.ReadEventAsync("MEDIA_BUG_STOP");
        var done = await c.ReadEventAsync("CHANNEL_EXECUTE_COMPLETE", f => f.Event("Application") == "eavesdrop");
        Assert.Equal("594f4213-7dc9-482c-bb55-22ae93534e59", done.Event("Application-UUID"));
        Assert.False(sup.IsHungUp);
        Assert.Null(fs.GetEavesdropFlags(sup.Uuid));
    }

    [Fact]
    public async Task Native_dtmf_digit_1_makes_the_client_hear_the_supervisor_unless_disabled()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        var (call, sup) = await StartEavesdropAsync(fs, c, targetAgent: true, []);
        Assert.False(fs.Hears(call.ALeg.Uuid, sup.Uuid));
        await fs.PressDigitAsync(sup.Uuid, '1');
        var dtmf = await c.ReadEventAsync("DTMF");
        Assert.Equal("1", dtmf.Event("DTMF-Digit"));
        Assert.True(fs.Hears(call.ALeg.Uuid, sup.Uuid));
        Assert.False(fs.Hears(call.BLeg.Uuid, sup.Uuid));
    }

    [Fact]
    public async Task Digit_binding_relay_event_has_the_captured_shape_and_no_event_without_binding()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        var sup = fs.DialParked("1010", "pbx.lab", "*901004");
        await c.CommandAsync("event plain CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_APPLICATION DTMF MEDIA_BUG_START");
        var call = fs.ClientCallsAgent("4915550001", ZoeName, "5551000", "1004", "pbx.lab");
        foreach (var cmd in new[] { "answer", "set\nexecute-app-arg: eavesdrop_enable_dtmf=false", "bind_digit_action\nexecute-app-arg: esl_supervision,1,exec[i]:event,ESL-Supervision-Digit=1", "digit_action_set_realm\nexecute-app-arg: esl_supervision", $"eavesdrop\nexecute-app-arg: {call.BLeg.Uuid}" })
        {
            await c.CommandAsync($"sendmsg {sup.Uuid}\ncall-command: execute\nexecute-app-name: {cmd}");
        }

        await c.ReadEventAsync("MEDIA_BUG_START");
        await fs.PressDigitAsync(sup.Uuid, '5'); // unbound, dtmf disabled: nothing at all
        await fs.PressDigitAsync(sup.Uuid, '1');
        var events = await c.ReadEventsUntilAsync(f => f.Event("Event-Name") == "CHANNEL_EXECUTE_COMPLETE" && f.Event("Application") == "event");
        var relay = events.SkipWhile(f => f.Event("Event-Name") != "CHANNEL_EXECUTE" || f.Event("Application") != "event").ToList();
        Assert.Equal(["CHANNEL_EXECUTE", "CHANNEL_APPLICATION", "CHANNEL_EXECUTE_COMPLETE"], relay.Select(f => f.Event("Event-Name")));
        Assert.DoesNotContain(events, f => f.Event("Event-Name") == "DTMF");
        var app = relay[1];
        Assert.Equal("1", app.Event("ESL-Supervision-Digit"));
        Assert.Equal(sup.Uuid, app.Event("Unique-ID"));
        Assert.DoesNotContain(app.EventHeaders, h => h.Key.StartsWith("variable_", StringComparison.Ordinal));
        var captured = CaptureEvents("supervision-client-calls-agent").First(e => Get(e, "Event-Name") == "CHANNEL_APPLICATION");
        Assert.Equal(captured.Select(h => h.Key), app.EventHeaders.Select(h => h.Key));
        Assert.Equal(EavesdropFlags.None, fs.GetEavesdropFlags(sup.Uuid));
    }

    [Fact]
    public async Task Sendmsg_during_eavesdrop_is_queued_until_eavesdrop_ends()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        var (call, sup) = await StartEavesdropAsync(fs, c, targetAgent: true, ["eavesdrop_enable_dtmf=false"]);
        Assert.Equal("+OK", (await c.CommandAsync($"sendmsg {sup.Uuid}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(100,0,440)"))["Reply-Text"]);
        Assert.Equal("+OK\n", (await c.CommandAsync($"api uuid_setvar {sup.Uuid} esl_supervision_mode barge")).BodyText);
        Assert.Equal("barge", (await c.CommandAsync($"api uuid_getvar {sup.Uuid} esl_supervision_mode")).BodyText);
        var channels = (await c.CommandAsync("api show channels as json")).BodyText;
        Assert.Contains($"\"application\":\"eavesdrop\",\"application_data\":\"{call.BLeg.Uuid}\"", channels, StringComparison.Ordinal);
        Assert.Contains($"\"b_uuid\":\"{call.BLeg.Uuid}\"", (await c.CommandAsync("api show calls as json")).BodyText, StringComparison.Ordinal);

        fs.Hangup(call.ALeg.Uuid);
        var events = await c.ReadEventsUntilAsync(f => f.Event("Event-Name") == "CHANNEL_EXECUTE" && f.Event("Application") == "playback");
        var names = events.Select(f => f.Event("Event-Name") + ":" + f.Event("Application")).ToList();
        var eavesdropDone = names.IndexOf("CHANNEL_EXECUTE_COMPLETE:eavesdrop");
        Assert.True(eavesdropDone >= 0 && eavesdropDone < names.Count - 1);
        Assert.False(sup.IsHungUp);
        Assert.True(call.BLeg.IsHungUp);
    }

    [Fact]
    public async Task Park_times_out_on_the_injected_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T19:07:47Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var fs = await StartAsync(time);
        var ch = fs.DialParked("1010", "pbx.lab", "*901004", authenticated: false, parkTimeoutSeconds: 30);
        Assert.Null(ch.GetVariable("user_name"));
        Assert.Equal("30", ch.GetVariable("park_timeout"));
        var hung = fs.WaitForChannelAsync(x => x.Uuid == ch.Uuid && x.IsHungUp);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(hung.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await hung.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Replay_reproduces_a_capture_byte_for_byte()
    {
        var bytes = Captures.Server("inbound-commands");
        await using var replay = CaptureReplayServer.Start(bytes, ReplayPacing.AllAtOnce, chunkSize: 7);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", replay.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("auth lab-secret\n\n"));
        var got = new MemoryStream();
        var buf = new byte[8192];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (got.Length < bytes.Length)
        {
            var n = await stream.ReadAsync(buf, cts.Token);
            Assert.NotEqual(0, n);
            got.Write(buf, 0, n);
        }

        Assert.Equal(bytes, got.ToArray());
    }

    [Fact]
    public async Task Per_command_replay_waits_for_each_command()
    {
        var bytes = Captures.Server("inbound-bad-auth");
        await using var replay = CaptureReplayServer.Start(bytes, ReplayPacing.PerCommand);
        await using var c = await TestClient.ConnectRawAsync(replay.Port);
        Assert.Equal("auth/request", (await c.ReadFrameAsync())["Content-Type"]);
        Assert.False(replay.Completed.IsCompleted);
        await c.SendAsync(Encoding.UTF8.GetString(Captures.Client("inbound-bad-auth")));
        Assert.Equal("-ERR invalid", (await c.ReadFrameAsync())["Reply-Text"]);
        await replay.Completed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Captures.Client("inbound-bad-auth"), replay.GetClientBytes());
    }

    [Fact]
    public async Task Split_at_every_byte_delivers_identical_bytes()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        var conn = await fs.WaitForConnectionAsync();
        conn.WriteChunkSize = 1;
        var payload = Encoding.UTF8.GetBytes("Content-Length: 9\nContent-Type: text/event-plain\n\nZoë 山\n");
        var expectedBody = payload[(payload.AsSpan().IndexOf("\n\n"u8) + 2)..];
        await conn.SendRawAsync(payload);
        var before = c.RawReads.Count;
        var f = await c.ReadFrameAsync();
        Assert.Equal(expectedBody, f.Body);
        Assert.Equal("-ERR no_such Command not found!\n", (await c.CommandAsync("api no_such")).BodyText);
        var wire = c.RawReads.Skip(before).SelectMany(r => r).ToArray();
        var reply = Encoding.UTF8.GetBytes("Content-Type: api/response\nContent-Length: 32\n\n-ERR no_such Command not found!\n");
        Assert.Equal(payload.Concat(reply).ToArray(), wire);
    }

    [Fact]
    public async Task Wait_for_command_signals_and_log_records_raw_text()
    {
        await using var fs = await StartAsync();
        await using var c = await TestClient.ConnectAsync(fs.Port);
        var conn = await fs.WaitForConnectionAsync();
        var waiting = conn.WaitForCommandAsync(x => x.StartsWith("api uuid_getvar", StringComparison.Ordinal));
        Assert.False(waiting.IsCompleted);
        var call = fs.ClientCallsAgent("4915550001", ZoeName, "5551000", "1004", "pbx.lab");
        Assert.Equal("outbound", (await c.CommandAsync($"api uuid_getvar {call.BLeg.Uuid} direction")).BodyText);
        Assert.Equal("_undef_", (await c.CommandAsync($"api uuid_getvar {call.ALeg.Uuid} user_name")).BodyText);
        Assert.Equal($"api uuid_getvar {call.BLeg.Uuid} direction", await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        var dump = (await c.CommandAsync($"api uuid_dump {call.BLeg.Uuid} json")).BodyText;
        Assert.Contains("\"variable_dialed_user\":\"1004\"", dump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_variable_written_from_two_connections_reads_as_FreeSWITCH_answers_it_unset_last_writer_and_gone()
    {
        // What the replicas' refusal tie-break relies on, in the captured reply texts: _undef_ without a newline,
        // +OK, the raw value back, the last write wins across connections, and -ERR once the channel is gone.
        await using var fs = await StartAsync();
        await using var a = await TestClient.ConnectAsync(fs.Port);
        await using var b = await TestClient.ConnectAsync(fs.Port);
        FakeChannel leg = fs.DialParked("1010", "pbx.lab", "*911004");

        Assert.Equal("_undef_", (await a.CommandAsync($"api uuid_getvar {leg.Uuid} esl_supervision_refuser")).BodyText);
        Assert.Equal("+OK\n", (await a.CommandAsync($"api uuid_setvar {leg.Uuid} esl_supervision_refuser replica-a")).BodyText);
        Assert.Equal("+OK\n", (await b.CommandAsync($"api uuid_setvar {leg.Uuid} esl_supervision_refuser replica-b")).BodyText);
        Assert.Equal("replica-b", (await a.CommandAsync($"api uuid_getvar {leg.Uuid} esl_supervision_refuser")).BodyText);
        Assert.Equal("replica-b", (await b.CommandAsync($"api uuid_getvar {leg.Uuid} esl_supervision_refuser")).BodyText);

        Task<FakeChannel> gone = fs.WaitForChannelAsync(x => x.Uuid == leg.Uuid && x.IsHungUp);
        fs.Hangup(leg.Uuid);
        await gone.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("-ERR No such channel!\n", (await a.CommandAsync($"api uuid_getvar {leg.Uuid} esl_supervision_refuser")).BodyText);
        Assert.Equal("-ERR No such channel!\n", (await b.CommandAsync($"api uuid_setvar {leg.Uuid} esl_supervision_refuser replica-b")).BodyText);
    }
}
