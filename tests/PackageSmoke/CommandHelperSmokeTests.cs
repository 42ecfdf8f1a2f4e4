using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.EventSocket;
using EslSupervision.Testing;
using Xunit;

namespace PackageSmoke;

/// <summary>The client package's command helpers and constants, from the packages, against the fake switch package.</summary>
public class CommandHelperSmokeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Originate_bridge_variables_and_kill_work_through_the_public_api()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "smoke-secret" }, timeout.Token);
        fs.AddUser(new FakeUser("1004", "pbx.lab", "Olivia"));
        fs.AddUser(new FakeUser("1005", "pbx.lab", "Sam"));
        fs.AddUser(new FakeUser("1011", "pbx.lab", "Lena") { Registered = false });
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "smoke-secret" });
        await client.ConnectAsync(timeout.Token);
        await client.SubscribeAsync([EslEventNames.ChannelBridge], cancellationToken: timeout.Token);
        Task<EslEvent> bridged = client.Events.FirstAsync(e => e.EventName == EslEventNames.ChannelBridge).ToTask(timeout.Token);

        EslOriginateResult agent = await client.OriginateAsync(new EslOriginateRequest("user/1004@pbx.lab") { CallerIdNumber = "5551000" }, timeout.Token);
        EslOriginateResult other = await client.OriginateAsync(new EslOriginateRequest("user/1005@pbx.lab"), timeout.Token);
        EslOriginateResult absent = await client.OriginateAsync(new EslOriginateRequest("user/1011@pbx.lab"), timeout.Token);
        await client.BridgeAsync(agent.UniqueId, other.UniqueId, timeout.Token);
        await client.SetVariableAsync(agent.UniqueId, "crm_ticket", "T-42", timeout.Token);

        Assert.True(agent.IsAnswered);
        Assert.Equal(EslOriginateOutcome.Failed, absent.Outcome);
        Assert.Equal("USER_NOT_REGISTERED", absent.HangupCause);
        Assert.Equal(other.UniqueId, (await bridged)[EslHeaders.BridgeBUniqueId]);
        Assert.Equal("T-42", await client.GetVariableAsync(agent.UniqueId, "crm_ticket", timeout.Token));
        Assert.Null(await client.GetVariableAsync(agent.UniqueId, "never_set", timeout.Token));

        await client.KillAsync(agent.UniqueId, cancellationToken: timeout.Token);
        Assert.False(await client.ExistsAsync(agent.UniqueId, timeout.Token));
        await Assert.ThrowsAsync<EslNoSuchChannelException>(() => client.KillAsync(agent.UniqueId, cancellationToken: timeout.Token));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SetVariableAsync(other.UniqueId, "a", "1\napi hupall", timeout.Token));
    }
}
