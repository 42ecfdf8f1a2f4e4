using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Testing;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>The client against the fake FreeSWITCH's adversarial modes, over real loopback sockets.</summary>
public class AgainstFakeSwitchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task<(FakeFreeSwitch Switch, EslInboundClient Client)> StartAsync(FakeFreeSwitchOptions? options = null, Action<EslClientOptions>? configure = null, TimeProvider? time = null)
    {
        options ??= new FakeFreeSwitchOptions { Password = "lab-secret" };
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(options);
        fs.AddUser(new FakeUser("1004", "pbx.lab", "Zoë Ünal 山田"));
        var clientOptions = new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = options.Password };
        configure?.Invoke(clientOptions);
        var client = new EslInboundClient(clientOptions, timeProvider: time);
        await client.ConnectAsync().WaitAsync(Patience);
        return (fs, client);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(null, 7)]
    [InlineData(null, 1234)]
    public async Task Writes_cut_at_every_byte_or_at_random_still_give_exact_events_and_replies(int? chunk, int? seed)
    {
        var options = new FakeFreeSwitchOptions { Password = "lab-secret", WriteChunkSize = chunk, RandomChunkSeed = seed, RandomChunkMaxSize = 97 };
        var (fs, client) = await StartAsync(options);
        await using (fs)
        await using (client)
        {
            await client.SubscribeAsync(["CHANNEL_CREATE", "CHANNEL_BRIDGE"]).WaitAsync(Patience);
            Task<EslEvent[]> creates = client.Events.Where(e => e.EventName == "CHANNEL_CREATE").Take(2).ToArray().ToTask();

            FakeCall call = fs.ClientCallsAgent("4915550001", "Zoë Ünal 山田", "5551000", "1004", "pbx.lab");
            EslEvent[] created = await creates.WaitAsync(Patience);

            Assert.Equal("Zoë Ünal 山田", created[0]["Caller-Caller-ID-Name"]);
            Assert.Equal(call.ALeg.Uuid, created[0].UniqueId);
            Assert.Equal(call.BLeg.Uuid, created[1].UniqueId);
            Assert.Equal("1004", (await client.ApiAsync("uuid_getvar", call.BLeg.Uuid + " dialed_user").WaitAsync(Patience)).Text);
            EslBackgroundJobResult job = await client.BackgroundApiAsync("status").WaitAsync(Patience);
            Assert.StartsWith("UP", job.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Events_interleaved_before_every_reply_never_shift_the_replies()
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            await client.SubscribeAsync(["ALL"]).WaitAsync(Patience);
            fs.Connections.Single().InterleaveEventsBeforeReplies = true;
            FakeCall call = fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");

            Task<EslApiResponse>[] answers =
            [
                client.ApiAsync("uuid_getvar", call.ALeg.Uuid + " direction"),
                client.ApiAsync("uuid_getvar", call.BLeg.Uuid + " direction"),
                client.ApiAsync("uuid_getvar", call.BLeg.Uuid + " dialed_user"),
            ];
            EslApiResponse[] replies = await Task.WhenAll(answers).WaitAsync(Patience);

            Assert.Equal(["inbound", "outbound", "1004"], replies.Select(r => r.Text));
        }
    }

    [Fact]
    public async Task A_silent_half_open_switch_times_commands_out_without_shifting_later_replies()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var (fs, client) = await StartAsync(configure: o => { o.CommandTimeout = TimeSpan.FromSeconds(2); o.Reconnect = false; }, time: time);
        await using (fs)
        await using (client)
        {
            FakeConnection connection = fs.Connections.Single();
            connection.GoSilent();
            Task<EslApiResponse> stuck = client.ApiAsync("status");
            await connection.WaitForCommandAsync(c => c == "api status").WaitAsync(Patience);
            time.Advance(TimeSpan.FromSeconds(3));

            await Assert.ThrowsAsync<EslTimeoutException>(() => stuck.WaitAsync(Patience));
            Assert.Equal(EslConnectionState.Connected, client.State);
        }
    }

    [Fact]
    public async Task A_disconnect_in_the_middle_of_a_frame_fails_pending_commands_at_once()
    {
        var (fs, client) = await StartAsync(configure: o => o.Reconnect = false);
        await using (fs)
        await using (client)
        {
            fs.Connections.Single().DisconnectInNextFrame();
            await Assert.ThrowsAsync<EslConnectionException>(() => client.ApiAsync("status").WaitAsync(Patience));
            await client.StateChanges.FirstAsync(s => s == EslConnectionState.Closed).ToTask().WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Userauth_logs_in_as_a_directory_user_and_a_restricted_api_is_a_command_error()
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret" });
        await using (fs)
        {
            fs.AddUser(new FakeUser("1010", "pbx.lab", "Benjamin") { EslPassword = "user-secret", AllowedApi = "status" });
            await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, User = "1010@pbx.lab", Password = "user-secret" });
            await client.ConnectAsync().WaitAsync(Patience);

            Assert.Contains("userauth 1010@pbx.lab:user-secret", fs.Connections.Single().ReceivedCommands);
            var denied = await Assert.ThrowsAsync<EslCommandException>(() => client.ApiAsync("uuid_kill", "x").WaitAsync(Patience));
            Assert.Equal("-ERR permission denied", denied.ReplyText);
            Assert.DoesNotContain("user-secret", client.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Frames_events_bytes_and_command_times_are_measured_on_the_library_meter()
    {
        var seen = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EslTelemetry.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (seen) { seen[i.Name] = seen.GetValueOrDefault(i.Name) + v; } });
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (seen) { seen[i.Name] = seen.GetValueOrDefault(i.Name) + 1; } });
        listener.Start();

        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            await client.SubscribeAsync(["CHANNEL_CREATE"]).WaitAsync(Patience);
            Task<EslEvent> created = client.Events.FirstAsync().ToTask();
            fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");
            await created.WaitAsync(Patience);
            await client.ApiAsync("status").WaitAsync(Patience);
        }

        lock (seen)
        {
            Assert.True(seen.GetValueOrDefault("esl.client.frames.received") >= 3);
            Assert.True(seen.GetValueOrDefault("esl.client.events.received") >= 1);
            Assert.True(seen.GetValueOrDefault("esl.client.bytes.received") > 1000);
            Assert.True(seen.GetValueOrDefault("esl.client.command.duration") >= 2);
        }
    }

    [Theory]
    [InlineData(EslEventFormat.Json)]
    [InlineData(EslEventFormat.Xml)]
    public async Task Json_and_xml_events_carry_the_same_decoded_values_as_plain_ones(EslEventFormat format)
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            await client.SubscribeAsync(["CHANNEL_CREATE"], format: format).WaitAsync(Patience);
            Task<EslEvent> created = client.Events.FirstAsync().ToTask();
            FakeCall call = fs.ClientCallsAgent("4915550001", "Zoë Ünal 山田", "5551000", "1004", "pbx.lab");
            EslEvent e = await created.WaitAsync(Patience);

            Assert.Equal(format, e.Format);
            Assert.Equal("CHANNEL_CREATE", e.EventName);
            Assert.Equal(call.ALeg.Uuid, e.UniqueId);
            Assert.Equal("Zoë Ünal 山田", e["Caller-Caller-ID-Name"]);
        }
    }

    [Fact]
    public void An_outbound_listener_refuses_invalid_options_before_binding()
    {
        var options = new EslOutboundListenerOptions { Address = "controller.local", MaxFrameSize = 10, CommandTimeout = TimeSpan.Zero };

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new EslOutboundListener(options, (_, _) => Task.CompletedTask));

        Assert.Contains("Address must be an IP address to listen on.", error.Failures);
        Assert.Contains("MaxFrameSize must be at least 1024 bytes.", error.Failures);
        Assert.Contains("CommandTimeout must be positive.", error.Failures);
    }

    [Fact]
    public void Options_with_a_c1_control_character_are_refused_as_the_wire_would_refuse_them()
    {
        var result = new EslClientOptionsValidator().Validate(null, new EslClientOptions { Password = "pass\u009bword" });

        Assert.True(result.Failed);
    }

    [Fact]
    public void Options_never_show_the_password()
    {
        var options = new EslClientOptions { Host = "pbx", Password = "s3cret" };

        Assert.DoesNotContain("s3cret", options.ToString(), StringComparison.Ordinal);
    }
}
