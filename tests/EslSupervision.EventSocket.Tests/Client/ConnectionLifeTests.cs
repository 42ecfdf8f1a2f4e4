using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Tests.Support;
using EslSupervision.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>
/// The connection heals itself: heartbeats prove a live switch, silence or a run of command time-outs declare it dead,
/// undecodable events are protocol errors; every time the client closes, reconnects and says why.
/// </summary>
public class ConnectionLifeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task<(FakeFreeSwitch Switch, EslInboundClient Client, RecordingLoggerFactory Logs)> StartAsync(FakeTimeProvider time, Action<EslClientOptions>? configure = null)
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret", TimeProvider = time });
        var options = new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "lab-secret", ReconnectMinDelay = TimeSpan.FromSeconds(1), ReconnectMaxDelay = TimeSpan.FromSeconds(1) };
        configure?.Invoke(options);
        var logs = new RecordingLoggerFactory();
        var client = new EslInboundClient(options, logs, time);
        await client.ConnectAsync().WaitAsync(Patience);
        return (fs, client, logs);
    }

    [Fact]
    public async Task The_client_subscribes_to_heartbeat_and_heartbeats_keep_an_idle_connection_alive()
    {
        var time = new FakeTimeProvider();
        var (fs, client, _) = await StartAsync(time);
        await using (fs)
        await using (client)
        {
            FakeConnection connection = fs.Connections.Single();

            // Nobody subscribes, so after the grace (min(5 s, LivenessTimeout / 4)) the client subscribes HEARTBEAT alone.
            time.Advance(TimeSpan.FromSeconds(5));
            await connection.WaitForCommandAsync(c => c == "event plain HEARTBEAT").WaitAsync(Patience);

            // Two minutes of an idle switch, twice the liveness timeout: only heartbeats arrive, and they are enough.
            for (int beat = 0; beat < 6; beat++)
            {
                Task<EslEvent> heartbeat = client.Events.FirstAsync(e => e.EventName == "HEARTBEAT").ToTask();
                time.Advance(TimeSpan.FromSeconds(20));
                EslEvent received = await heartbeat.WaitAsync(Patience);
                Assert.Equal("System Ready", received["Event-Info"]);
            }

            Assert.Equal(EslConnectionState.Connected, client.State);
            Assert.Single(fs.Connections);
            Assert.True(client.GetHealth().SinceLastFrame < TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    public async Task A_half_open_switch_is_declared_dead_after_the_liveness_timeout_and_the_client_reconnects()
    {
        var time = new FakeTimeProvider();
        var (fs, client, logs) = await StartAsync(time);
        await using (fs)
        await using (client)
        {
            using var deaths = new DeathCounter();
            FakeConnection first = fs.Connections.Single();

            // The caller's first subscription carries HEARTBEAT, so liveness starts at once.
            await client.SubscribeAsync(["CHANNEL_PARK"]).WaitAsync(Patience);
            await first.WaitForCommandAsync(c => c == "event plain CHANNEL_PARK HEARTBEAT").WaitAsync(Patience);
            Task reconnecting = client.StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask();
            first.GoSilent();

            time.Advance(TimeSpan.FromSeconds(59));
            Assert.Equal(EslConnectionState.Connected, client.State);
            time.Advance(TimeSpan.FromSeconds(1));

            await reconnecting.WaitAsync(Patience);
            Assert.Contains(logs.Entries, e => e.Id == 1052 && e.Message.Contains("silence", StringComparison.Ordinal));
            Assert.Equal("silence", client.GetHealth().LastDeathReason);
            Assert.Equal(1, deaths.Count("silence"));

            await logs.WaitForAsync(1001);
            Task connected = client.StateChanges.FirstAsync(s => s == EslConnectionState.Connected).ToTask();
            time.Advance(TimeSpan.FromSeconds(1));
            await connected.WaitAsync(Patience);
            FakeConnection second = await fs.WaitForConnectionAsync(2).WaitAsync(Patience);
            await second.WaitForCommandAsync(c => c.StartsWith("event plain ", StringComparison.Ordinal) && c.Split(' ').Contains("HEARTBEAT") && c.Split(' ').Contains("CHANNEL_PARK")).WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Consecutive_command_timeouts_declare_the_connection_dead_and_the_client_reconnects()
    {
        var time = new FakeTimeProvider();
        await using var peer = new ScriptedPeer();
        var logs = new RecordingLoggerFactory();
        var client = new EslInboundClient(peer.Options(o => { o.CommandTimeout = TimeSpan.FromSeconds(2); o.MaxConsecutiveCommandTimeouts = 2; o.ReconnectMinDelay = TimeSpan.FromSeconds(1); o.ReconnectMaxDelay = TimeSpan.FromSeconds(1); }), logs, time);
        Task connecting = client.ConnectAsync();
        PeerConnection first = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        await using (client)
        {
            Task<EslApiResponse> one = client.ApiAsync("status");
            Assert.Equal("api status", await first.ReadCommandAsync());
            time.Advance(TimeSpan.FromSeconds(2));
            await Assert.ThrowsAsync<EslTimeoutException>(() => one.WaitAsync(Patience));
            Assert.Equal(EslConnectionState.Connected, client.State);

            Task reconnecting = client.StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask();
            Task<EslApiResponse> two = client.ApiAsync("uptime");
            Assert.Equal("api uptime", await first.ReadCommandAsync());
            time.Advance(TimeSpan.FromSeconds(2));
            await Assert.ThrowsAsync<EslTimeoutException>(() => two.WaitAsync(Patience));

            await reconnecting.WaitAsync(Patience);
            Assert.Equal("command_timeouts", client.GetHealth().LastDeathReason);
            await first.WaitForCloseAsync();

            await logs.WaitForAsync(1001);
            Task<PeerConnection> accepting = peer.AcceptAuthenticatedAsync();
            time.Advance(TimeSpan.FromSeconds(1));
            await accepting;
            await client.StateChanges.FirstAsync(s => s == EslConnectionState.Connected).ToTask().WaitAsync(Patience);
        }
    }

    private static readonly byte[] LoneSurrogateJson = Frame("text/event-json", Encoding.ASCII.GetBytes("{\"Event-Name\":\"CUSTOM\",\"Caller-Caller-ID-Name\":\"\\ud800\"}"));

    [Fact]
    public async Task A_refused_password_is_retried_with_backoff_and_logged_at_error_each_time_without_the_password()
    {
        var time = new FakeTimeProvider();
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret", TimeProvider = time });
        var logs = new RecordingLoggerFactory();
        var options = new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "wrong-secret", ReconnectMinDelay = TimeSpan.FromSeconds(1), ReconnectMaxDelay = TimeSpan.FromSeconds(1) };
        var client = new EslInboundClient(options, logs, time);

        Task connecting = client.ConnectUntilConnectedAsync(CancellationToken.None);
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            await logs.WaitForAsync(1050, attempt);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        EslConnectionHealth health = client.GetHealth();
        Assert.True(health.AuthenticationRefused);
        Assert.True(health.FailedAttempts >= 3);
        Assert.NotEqual(EslConnectionState.Connected, client.State);
        var refusals = logs.Detailed.Where(e => e.Id == 1050).ToList();
        Assert.True(refusals.Count >= 3);
        Assert.All(refusals, e => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, e.Level));
        Assert.All(logs.Detailed, e => Assert.DoesNotContain("wrong-secret", e.Text, StringComparison.Ordinal));

        await client.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.WaitAsync(Patience));
        Assert.Equal(EslConnectionState.Closed, client.State);
    }

    public static TheoryData<string, byte[]> UndecodableEvents => new()
    {
        { "json-lone-surrogate", LoneSurrogateJson },
        { "json-invalid-utf8", Frame("text/event-json", [.. Encoding.ASCII.GetBytes("{\"Event-Name\":\"CUSTOM\",\"x\":\""), 0xC3, 0x28, .. Encoding.ASCII.GetBytes("\"}")]) },
        { "xml-malformed", Frame("text/event-xml", Encoding.ASCII.GetBytes("<event><headers><Event-Name>CUSTOM</Event-Name></headers>")) },
        { "xml-invalid-utf8", Frame("text/event-xml", [.. Encoding.ASCII.GetBytes("<event><headers><Event-Name>"), 0xC3, 0x28, .. Encoding.ASCII.GetBytes("</Event-Name></headers></event>")]) },
    };

    [Theory]
    [MemberData(nameof(UndecodableEvents))]
    public async Task An_event_that_cannot_be_decoded_is_a_protocol_error_that_ends_the_stream_with_a_typed_error(string name, byte[] frame)
    {
        Assert.NotEmpty(name);
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options(o => o.Reconnect = false));
        Task connecting = client.ConnectAsync();
        PeerConnection connection = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        await using (client)
        {
            Task<EslEvent> events = client.Events.FirstAsync().ToTask();
            await connection.WriteAsync(frame);

            await Assert.ThrowsAsync<EslProtocolException>(() => events.WaitAsync(Patience));
            await client.StateChanges.FirstAsync(s => s == EslConnectionState.Closed).ToTask().WaitAsync(Patience);
            await connection.WaitForCloseAsync();
        }
    }

    [Fact]
    public async Task An_undecodable_json_event_closes_and_reconnects_instead_of_leaving_a_dead_connection_connected()
    {
        await using var peer = new ScriptedPeer();
        var client = new EslInboundClient(peer.Options(o => { o.ReconnectMinDelay = TimeSpan.FromMilliseconds(10); o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(20); }));
        Task connecting = client.ConnectAsync();
        PeerConnection first = await peer.AcceptAuthenticatedAsync();
        await connecting.WaitAsync(Patience);
        await using (client)
        {
            Task reconnecting = client.StateChanges.FirstAsync(s => s == EslConnectionState.Reconnecting).ToTask();
            await first.WriteAsync(LoneSurrogateJson);
            await reconnecting.WaitAsync(Patience);
            Assert.Contains("cannot be decoded", client.GetHealth().LastError, StringComparison.Ordinal);

            await peer.AcceptAuthenticatedAsync();
            await client.StateChanges.FirstAsync(s => s == EslConnectionState.Connected).ToTask().WaitAsync(Patience);
        }
    }

    private static byte[] Frame(string contentType, byte[] body)
        => [.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\nContent-Type: {contentType}\n\n"), .. body];

    /// <summary>Counts esl.client.connection.deaths by reason on the shared meter.</summary>
    private sealed class DeathCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<string> _reasons = [];

        public DeathCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EslTelemetry.MeterName && instrument.Name == "esl.client.connection.deaths")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        lock (_reasons)
                        {
                            _reasons.Add((string)tag.Value!);
                        }
                    }
                }
            });
            _listener.Start();
        }

        public int Count(string reason)
        {
            lock (_reasons)
            {
                return _reasons.Count(r => r == reason);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
