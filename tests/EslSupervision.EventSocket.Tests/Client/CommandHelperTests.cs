using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Testing;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Client;

/// <summary>The typed command helpers against the fake switch: outcomes, typed errors, and refused input.</summary>
public class CommandHelperTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task<(FakeFreeSwitch Switch, EslInboundClient Client)> StartAsync()
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "lab-secret" });
        fs.AddUser(new FakeUser("1004", "pbx.lab", "Olivia"));
        fs.AddUser(new FakeUser("1005", "pbx.lab", "Sam"));
        fs.AddUser(new FakeUser("1011", "pbx.lab", "Lena") { Registered = false });
        fs.AddUser(new FakeUser("1012", "pbx.lab", "Busy") { OriginateFailureCause = "USER_BUSY" });
        var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "lab-secret" });
        await client.ConnectAsync().WaitAsync(Patience);
        return (fs, client);
    }

    [Fact]
    public async Task Originate_to_a_registered_user_answers_the_leg_with_the_uuid_chosen_before_dialling()
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            string uuid = Guid.NewGuid().ToString();
            await client.SubscribeAsync([EslEventNames.ChannelAnswer]).WaitAsync(Patience);
            Task<EslEvent> answered = client.Events.FirstAsync(e => e.UniqueId == uuid).ToTask();

            EslOriginateResult result = await client.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab")
            {
                UniqueId = uuid,
                CallerIdName = "Support",
                CallerIdNumber = "5551000",
                RingTimeout = TimeSpan.FromSeconds(20),
            }).WaitAsync(Patience);

            Assert.Equal(EslOriginateOutcome.Answered, result.Outcome);
            Assert.Null(result.HangupCause);
            Assert.Equal(uuid, result.UniqueId);
            Assert.Equal(EslEventNames.ChannelAnswer, (await answered.WaitAsync(Patience)).EventName);
            FakeChannel leg = fs.GetChannel(uuid)!;
            Assert.True(leg.IsParked);
            Assert.Equal("5551000", leg.GetVariable("origination_caller_id_number"));
            Assert.Equal("20", leg.GetVariable("originate_timeout"));
            Assert.Contains(fs.Connections.Single().ReceivedCommands, c => c.StartsWith("bgapi originate {origination_uuid=" + uuid + ",", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("user/1011@pbx.lab", "USER_NOT_REGISTERED")]
    [InlineData("user/1099@pbx.lab", "SUBSCRIBER_ABSENT")]
    [InlineData("user/1012@pbx.lab", "USER_BUSY")]
    public async Task Originate_that_fails_reports_the_switch_cause_and_leaves_no_channel(string endpoint, string cause)
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            EslOriginateResult result = await client.OriginateAsync(new EslOriginateRequest(endpoint)).WaitAsync(Patience);

            Assert.Equal(EslOriginateOutcome.Failed, result.Outcome);
            Assert.False(result.IsAnswered);
            Assert.Equal(cause, result.HangupCause);
            Assert.False(await client.ExistsAsync(result.UniqueId).WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task Bridge_joins_two_answered_legs_and_a_missing_leg_is_a_typed_error()
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            await client.SubscribeAsync([EslEventNames.ChannelBridge]).WaitAsync(Patience);
            Task<EslEvent> bridged = client.Events.FirstAsync(e => e.EventName == EslEventNames.ChannelBridge).ToTask();
            EslOriginateResult a = await client.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab")).WaitAsync(Patience);
            EslOriginateResult b = await client.OriginateAsync(new EslOriginateRequest("user/1005@pbx.lab")).WaitAsync(Patience);

            await client.BridgeAsync(a.UniqueId, b.UniqueId).WaitAsync(Patience);

            EslEvent bridge = await bridged.WaitAsync(Patience);
            Assert.Equal(a.UniqueId, bridge[EslHeaders.BridgeAUniqueId]);
            Assert.Equal(b.UniqueId, bridge[EslHeaders.BridgeBUniqueId]);
            Assert.Equal(b.UniqueId, fs.GetChannel(a.UniqueId)!.BridgedTo);

            string missing = Guid.NewGuid().ToString();
            var error = await Assert.ThrowsAsync<EslNoSuchChannelException>(() => client.BridgeAsync(a.UniqueId, missing).WaitAsync(Patience));
            Assert.Equal("-ERR Invalid uuid", error.ReplyText);
        }
    }

    [Fact]
    public async Task Transfer_moves_the_leg_to_the_extension_and_a_missing_leg_is_a_typed_error()
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            EslOriginateResult leg = await client.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab")).WaitAsync(Patience);

            await client.TransferAsync(leg.UniqueId, "*901005", context: "pbx.lab").WaitAsync(Patience);

            string[] channels = (await client.ApiAsync("show", "channels as json").WaitAsync(Patience)).Text.Split('}');
            Assert.Contains(channels, row => row.Contains(leg.UniqueId, StringComparison.Ordinal) && row.Contains("\"dest\":\"*901005\"", StringComparison.Ordinal));
            Assert.Contains(fs.Connections.Single().ReceivedCommands, c => c == "api uuid_transfer " + leg.UniqueId + " *901005 XML pbx.lab");

            var error = await Assert.ThrowsAsync<EslNoSuchChannelException>(() => client.TransferAsync(Guid.NewGuid().ToString(), "1000").WaitAsync(Patience));
            Assert.Equal("-ERR No Such Channel!", error.ReplyText);
        }
    }

    [Fact]
    public async Task Variables_round_trip_and_an_unset_variable_reads_as_null_not_as_undef()
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            EslOriginateResult leg = await client.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab")).WaitAsync(Patience);

            await client.SetVariableAsync(leg.UniqueId, "crm_ticket", "T-42 priority high").WaitAsync(Patience);
            Assert.Equal("T-42 priority high", await client.GetVariableAsync(leg.UniqueId, "crm_ticket").WaitAsync(Patience));
            Assert.Equal("1004", await client.GetVariableAsync(leg.UniqueId, "dialed_user").WaitAsync(Patience));

            await client.SetVariableAsync(leg.UniqueId, "crm_ticket", null).WaitAsync(Patience);
            Assert.Null(await client.GetVariableAsync(leg.UniqueId, "crm_ticket").WaitAsync(Patience));
            Assert.Null(await client.GetVariableAsync(leg.UniqueId, "never_set").WaitAsync(Patience));

            string gone = Guid.NewGuid().ToString();
            await Assert.ThrowsAsync<EslNoSuchChannelException>(() => client.GetVariableAsync(gone, "x").WaitAsync(Patience));
            await Assert.ThrowsAsync<EslNoSuchChannelException>(() => client.SetVariableAsync(gone, "x", "1").WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task Kill_ends_the_leg_exists_tracks_it_and_killing_it_again_is_a_typed_error()
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            EslOriginateResult leg = await client.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab")).WaitAsync(Patience);
            Assert.True(await client.ExistsAsync(leg.UniqueId).WaitAsync(Patience));

            await client.KillAsync(leg.UniqueId, "USER_BUSY").WaitAsync(Patience);

            Assert.False(await client.ExistsAsync(leg.UniqueId).WaitAsync(Patience));
            Assert.Equal("USER_BUSY", fs.GetChannel(leg.UniqueId)!.HangupCause);
            var error = await Assert.ThrowsAsync<EslNoSuchChannelException>(() => client.KillAsync(leg.UniqueId).WaitAsync(Patience));
            Assert.Equal(leg.UniqueId, error.UniqueId);
            Assert.Equal("-ERR No such channel!", error.ReplyText);
        }
    }

    [Fact]
    public async Task Playback_completes_with_the_application_response_and_a_queued_hangup_ends_the_leg()
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            EslOriginateResult leg = await client.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab")).WaitAsync(Patience);

            EslExecution playback = await client.PlaybackAsync(leg.UniqueId, "ivr/ivr-welcome.wav").WaitAsync(Patience);
            EslEvent done = await playback.Completion.WaitAsync(Patience);
            Assert.Equal("FILE PLAYED", done[EslHeaders.ApplicationResponse]);
            Assert.Equal("ivr/ivr-welcome.wav", done[EslHeaders.ApplicationData]);

            Task<FakeChannel> hungUp = fs.WaitForChannelAsync(c => c.Uuid == leg.UniqueId && c.IsHungUp);
            EslExecution hangup = await client.QueueHangupAsync(leg.UniqueId, "CALL_REJECTED").WaitAsync(Patience);
            Assert.Equal("CALL_REJECTED", (await hungUp.WaitAsync(Patience)).HangupCause);
            await Task.WhenAny(hangup.Completion).WaitAsync(Patience); // completes or fails (channel gone): either way it ends
        }
    }

    public static TheoryData<string, Func<IEslConnection, Task>> Injections()
    {
        const string Uuid = "0f8e2a5c-1b2d-4c3e-8f9a-0123456789ab";
        return new TheoryData<string, Func<IEslConnection, Task>>
        {
            { "uuid not a uuid", c => c.KillAsync("all") },
            { "uuid with a second argument", c => c.KillAsync(Uuid + " " + Uuid) },
            { "uuid with CR/LF", c => c.ExistsAsync(Uuid + "\n\nexit") },
            { "cause with a space", c => c.KillAsync(Uuid, "NORMAL_CLEARING extra") },
            { "variable name with a space", c => c.SetVariableAsync(Uuid, "a b", "1") },
            { "variable name with '='", c => c.GetVariableAsync(Uuid, "a=b") },
            { "variable value with LF", c => c.SetVariableAsync(Uuid, "a", "1\napi hupall") },
            { "variable value with a leading space", c => c.SetVariableAsync(Uuid, "a", " 1") },
            { "variable value the switch would unescape", c => c.SetVariableAsync(Uuid, "a", "1\\napi") },
            { "variable value with quotes the switch would strip", c => c.SetVariableAsync(Uuid, "a", "'x y'") },
            { "transfer extension with a backslash escape", c => c.TransferAsync(Uuid, "1000\\sXML") },
            { "originate variable value with a backslash escape", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { CallerIdName = "Zo\\s" }) },
            { "transfer extension with a space", c => c.TransferAsync(Uuid, "1000 XML public") },
            { "transfer extension as an option", c => c.TransferAsync(Uuid, "-both") },
            { "transfer extension as an application", c => c.TransferAsync(Uuid, "&hangup()") },
            { "transfer context with a space", c => c.TransferAsync(Uuid, "1000", "XML", "default extra") },
            { "playback file with CR", c => c.PlaybackAsync(Uuid, "a.wav\rexit") },
            { "bridge other uuid", c => c.BridgeAsync(Uuid, "x") },
            { "originate endpoint with a second leg", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab,user/1005@pbx.lab")) },
            { "originate endpoint with its own variable block", c => c.OriginateAsync(new EslOriginateRequest("{origination_uuid=" + Uuid + "}user/1004@pbx.lab")) },
            { "originate endpoint with a space", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab &hangup()")) },
            { "originate endpoint without a type", c => c.OriginateAsync(new EslOriginateRequest("1004")) },
            { "originate caller name that closes the block", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { CallerIdName = "x}sofia/gateway/evil/1" }) },
            { "originate caller name that adds a variable", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { CallerIdName = "x,origination_uuid=" + Uuid }) },
            { "originate caller name with a space", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { CallerIdName = "Zoë Ünal" }) },
            { "originate variable named origination_uuid", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { Variables = new Dictionary<string, string> { ["origination_uuid"] = Uuid } }) },
            { "originate variable name with '='", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { Variables = new Dictionary<string, string> { ["a=b"] = "1" } }) },
            { "originate uuid not a uuid", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { UniqueId = "leg-1" }) },
            { "originate application argument with ')'", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { Application = "playback", ApplicationArgument = "a.wav)&hangup(" }) },
            { "originate application name with '('", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { Application = "hangup()&park" }) },
            { "originate extension as an application", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { Extension = "&hangup()" }) },
            { "originate context with a space", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { Extension = "1000", Context = "a b" }) },
            { "originate ring timeout of zero", c => c.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { RingTimeout = TimeSpan.Zero }) },
        };
    }

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task Input_the_switch_would_misread_is_refused_before_anything_is_written(string attempt, Func<IEslConnection, Task> command)
    {
        var (fs, client) = await StartAsync();
        await using (fs)
        await using (client)
        {
            int before = fs.Connections.Single().ReceivedCommands.Count;

            await Assert.ThrowsAnyAsync<ArgumentException>(() => command(client).WaitAsync(Patience));

            Assert.True(before == fs.Connections.Single().ReceivedCommands.Count, attempt);
            Assert.True(await client.ExistsAsync("0f8e2a5c-1b2d-4c3e-8f9a-0123456789ab").WaitAsync(Patience) is false, attempt);
        }
    }
}
