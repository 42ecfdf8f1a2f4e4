using System.Net;
using System.Text.Json;
using EslSupervision.Testing;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>
/// The same endpoints in cluster mode (<c>EslSupervision:Switches</c>): the supervisor's phone is on one switch, the
/// agent's call on another, and the dashboard works as with one switch; the other tenant still sees nothing of it.
/// </summary>
public class ClusterEndpointTests
{
    [Fact]
    public async Task Benjamin_whose_phone_is_on_switch_a_whispers_to_Olivia_on_switch_b_and_Mia_sees_none_of_it()
    {
        await using var host = await DashboardHost.StartClusterAsync();
        FakeFreeSwitch a = host.Switches["a"], b = host.Switches["b"];
        await host.CallAsync("2004", "other.lab", "4915550999", on: a);
        FakeCall call = await host.CallAsync("1004", "pbx.lab", "4915550001", on: b);
        string olivia = call.BLeg.Uuid, client = call.ALeg.Uuid;

        // Benjamin's list has the call on b, with his buttons, and nothing of other.lab's call on a.
        string before = await (await host.GetAsync("/calls", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        JsonElement row = Assert.Single(JsonDocument.Parse(before).RootElement.GetProperty("calls").EnumerateArray());
        Assert.Equal((olivia, "1004", "4915550001"), (row.GetProperty("agentLegId").GetString(), row.GetProperty("agent").GetString(), row.GetProperty("clientNumber").GetString()));
        Assert.Equal(["Spy", "Whisper", "Barge"], row.GetProperty("allowedModes").EnumerateArray().Select(m => m.GetString()));
        Assert.DoesNotContain("4915550999", before, StringComparison.Ordinal);

        // Start: his own phone rings on a (the only switch where it is registered), not on b.
        Task<HttpResponseMessage> start = host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "1004", mode = "Whisper" });
        FakeChannel phone = await a.WaitForRingingAsync("1010", "pbx.lab").WaitAsync(DashboardHost.Patience);
        Assert.Empty(b.RingingLegs);
        a.AnswerRinging(phone.Uuid);
        HttpResponseMessage started = await start.WaitAsync(DashboardHost.Patience);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        string leg = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("supervisorLegId").GetString()!;
        Assert.Equal(phone.Uuid, leg);

        // The eavesdrop runs on b, on Olivia's own leg, by the leg that came over the trunk; Hears follows the trunk.
        await b.WaitForChannelAsync(c => c.TrunkPeerUuid is not null && c.CurrentApplication == "eavesdrop" && b.GetEavesdropTarget(c.Uuid) == olivia).WaitAsync(DashboardHost.Patience);
        Assert.True(a.Hears(leg, olivia));
        Assert.True(a.Hears(leg, client));
        Assert.True(a.Hears(olivia, leg));
        Assert.False(a.Hears(client, leg));

        string during = await (await host.GetAsync("/calls", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        JsonElement running = Assert.Single(JsonDocument.Parse(during).RootElement.GetProperty("calls")[0].GetProperty("supervisions").EnumerateArray());
        Assert.Equal((leg, "Whisper", true), (running.GetProperty("supervisorLegId").GetString(), running.GetProperty("mode").GetString(), running.GetProperty("mine").GetBoolean()));

        // Mia: her own tenant's call on a only; no trace of Benjamin's supervision; his leg does not exist for her.
        string mias = await (await host.GetAsync("/calls", DashboardHost.Mia)).Content.ReadAsStringAsync();
        Assert.Equal("2004", Assert.Single(JsonDocument.Parse(mias).RootElement.GetProperty("calls").EnumerateArray()).GetProperty("agent").GetString());
        Assert.DoesNotContain(olivia, mias, StringComparison.Ordinal);
        Assert.DoesNotContain(leg, mias, StringComparison.Ordinal);
        Assert.DoesNotContain("4915550001", mias, StringComparison.Ordinal);
        Assert.Equal("[]", await (await host.GetAsync("/audit", DashboardHost.Mia)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await host.PostAsync($"/supervisions/{leg}/mode", DashboardHost.Mia, new { mode = "Barge" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.PostAsync($"/supervisions/{leg}/end", DashboardHost.Mia, new { })).StatusCode);
        Assert.False(a.Hears(client, leg));

        // Switch and end by his leg on a: the cluster routes both to b.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync($"/supervisions/{leg}/mode", DashboardHost.Benjamin, new { mode = "Barge" })).StatusCode);
        Assert.True(a.Hears(client, leg));
        Assert.Equal(HttpStatusCode.NoContent, (await host.PostAsync($"/supervisions/{leg}/end", DashboardHost.Benjamin, new { })).StatusCode);
        await a.WaitForChannelAsync(c => c.Uuid == leg && c.IsHungUp).WaitAsync(DashboardHost.Patience);
        string audit = await (await host.GetAsync("/audit", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        Assert.Contains("\"kind\":\"Started\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"trigger\":\"Api\"", audit, StringComparison.Ordinal);
    }
}
