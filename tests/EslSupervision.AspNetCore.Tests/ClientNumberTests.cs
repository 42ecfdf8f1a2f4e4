using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using EslSupervision.Calls;
using EslSupervision.Testing;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>
/// The client number column for calls the app did not see start: calls already running when the app starts, and
/// calls that started while the connection was down, are learned from the switch's own lists (resync), numbers too.
/// </summary>
public class ClientNumberTests
{
    [Fact]
    public async Task A_call_already_running_when_the_app_starts_shows_its_client_number()
    {
        await using var host = await DashboardHost.StartAsync(beforeStart: fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"));

        JsonElement call = await SingleCallAsync(host, "1004");

        Assert.Equal("4915550001", call.GetProperty("clientNumber").GetString());
    }

    [Fact]
    public async Task After_a_reconnect_a_call_missed_meanwhile_has_its_number_and_a_known_call_keeps_its_own()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.CallAsync("1004", "pbx.lab", "4915550001");

        // The connection goes silent (events queued, never delivered) and is then cut: the call to 1005 is only
        // known from the resync of the next connection.
        FakeConnection first = host.Switch.Connections[0];
        first.GoSilent();
        host.Switch.ClientCallsAgent("4915550002", "Client", "5551000", "1005", "pbx.lab");
        Task resynced = host.Registry.Changes.FirstAsync(_ => host.Registry.FindActiveAgentLeg("pbx.lab", "1005") is not null).ToTask();
        first.Abort();
        await resynced.WaitAsync(DashboardHost.Patience);

        Assert.Equal("4915550002", (await SingleCallAsync(host, "1005")).GetProperty("clientNumber").GetString());
        Assert.Equal("4915550001", (await SingleCallAsync(host, "1004")).GetProperty("clientNumber").GetString());
    }

    private static async Task<JsonElement> SingleCallAsync(DashboardHost host, string agent)
    {
        if (host.Registry.FindActiveAgentLeg("pbx.lab", agent) is null)
        {
            await host.Registry.Changes.FirstAsync(_ => host.Registry.FindActiveAgentLeg("pbx.lab", agent) is not null).ToTask().WaitAsync(DashboardHost.Patience);
        }

        string calls = await (await host.GetAsync("/calls", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        return JsonDocument.Parse(calls).RootElement.GetProperty("calls").EnumerateArray().Single(c => c.GetProperty("agent").GetString() == agent).Clone();
    }
}
