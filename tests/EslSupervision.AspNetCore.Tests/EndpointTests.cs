using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EslSupervision.Testing;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>
/// The endpoints as a browser or another app sees them: tenant isolation on every endpoint, identity from the
/// principal only, antiforgery on POSTs, and each refusal with its status.
/// </summary>
public class EndpointTests
{
    private static readonly string[] Endpoints = ["/calls", "/audit", "/antiforgery", "/stream"];

    [Fact]
    public async Task Each_supervisor_sees_only_the_calls_of_their_own_tenant()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.CallAsync("1004", "pbx.lab", "4915550001");
        await host.CallAsync("2004", "other.lab", "4915550999");

        string benjamin = await (await host.GetAsync("/calls", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        string mia = await (await host.GetAsync("/calls", DashboardHost.Mia)).Content.ReadAsStringAsync();

        JsonElement call = Assert.Single(JsonDocument.Parse(benjamin).RootElement.GetProperty("calls").EnumerateArray());
        Assert.Equal("1004", call.GetProperty("agent").GetString());
        Assert.Equal("4915550001", call.GetProperty("clientNumber").GetString());
        Assert.Equal("support", call.GetProperty("ringGroups")[0].GetString());
        Assert.Equal("Bridged", call.GetProperty("state").GetString());
        Assert.Equal(["Spy", "Whisper", "Barge"], call.GetProperty("allowedModes").EnumerateArray().Select(m => m.GetString()));
        Assert.DoesNotContain("other.lab", benjamin, StringComparison.Ordinal);
        Assert.DoesNotContain("4915550999", benjamin, StringComparison.Ordinal);
        Assert.DoesNotContain("2004", benjamin, StringComparison.Ordinal);

        Assert.Equal("2004", Assert.Single(JsonDocument.Parse(mia).RootElement.GetProperty("calls").EnumerateArray()).GetProperty("agent").GetString());
        Assert.DoesNotContain("pbx.lab", mia, StringComparison.Ordinal);
        Assert.DoesNotContain("4915550001", mia, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_or_body_naming_another_tenant_or_user_is_ignored()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.CallAsync("2004", "other.lab", "4915550999");

        string calls = await (await host.GetAsync("/calls?tenant=other.lab&extension=2010&esl_tenant=other.lab", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        Assert.Equal("pbx.lab", JsonDocument.Parse(calls).RootElement.GetProperty("tenant").GetString());
        Assert.DoesNotContain("2004", calls, StringComparison.Ordinal);

        // Benjamin names Mia's agent and tenant in the body: the start is his, in his tenant, where 2004 has no call.
        HttpResponseMessage start = await host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "2004", mode = "Spy", tenant = "other.lab", supervisor = "2010" });
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        Assert.Empty(host.Switch.RingingLegs);
        Assert.DoesNotContain(host.Switch.Connections.SelectMany(c => c.ReceivedCommands), c => c.Contains("originate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_sign_in_401_and_without_a_pbx_identity_403_on_every_endpoint()
    {
        await using var host = await DashboardHost.StartAsync();
        foreach (string path in Endpoints)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetAsync(path, null)).StatusCode);
            HttpResponseMessage forbidden = await host.GetAsync(path, DashboardHost.NotAPbxUser);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostAsync("/supervisions", null, new { agentExtension = "1004", mode = "Spy" }, withToken: false)).StatusCode);
    }

    [Fact]
    public async Task A_POST_without_a_valid_antiforgery_token_is_refused_and_changes_nothing()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.CallAsync("1004", "pbx.lab", "4915550001");

        HttpResponseMessage none = await host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "1004", mode = "Spy" }, withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);

        // Mia's token does not work for Benjamin's session.
        var miasToken = await host.AntiforgeryAsync(DashboardHost.Mia);
        HttpResponseMessage foreign = await host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "1004", mode = "Spy" }, miasToken);
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);

        Assert.Empty(host.Switch.RingingLegs);
        Assert.DoesNotContain(host.Switch.Connections.SelectMany(c => c.ReceivedCommands), c => c.Contains("originate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Benjamin_starts_switches_and_ends_and_Mia_can_neither_see_nor_touch_it()
    {
        await using var host = await DashboardHost.StartAsync();
        FakeCall call = await host.CallAsync("1004", "pbx.lab", "4915550001");
        string olivia = call.BLeg.Uuid, client = call.ALeg.Uuid;

        Task<HttpResponseMessage> start = host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "1004", mode = "Whisper" });
        FakeChannel phone = await host.Switch.WaitForRingingAsync("1010", "pbx.lab").WaitAsync(DashboardHost.Patience);
        host.Switch.AnswerRinging(phone.Uuid);
        HttpResponseMessage started = await start.WaitAsync(DashboardHost.Patience);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        string leg = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("supervisorLegId").GetString()!;
        Assert.Equal(phone.Uuid, leg);
        Assert.True(host.Switch.Hears(olivia, phone.Uuid));
        Assert.False(host.Switch.Hears(client, phone.Uuid));

        string calls = await (await host.GetAsync("/calls", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        JsonElement running = Assert.Single(JsonDocument.Parse(calls).RootElement.GetProperty("calls")[0].GetProperty("supervisions").EnumerateArray());
        Assert.Equal("Whisper", running.GetProperty("mode").GetString());
        Assert.True(running.GetProperty("mine").GetBoolean());

        // Mia knows the leg id (say it leaked): for her it does not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await host.PostAsync($"/supervisions/{leg}/mode", DashboardHost.Mia, new { mode = "Barge" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.PostAsync($"/supervisions/{leg}/end", DashboardHost.Mia, new { })).StatusCode);
        string miasAudit = await (await host.GetAsync("/audit", DashboardHost.Mia)).Content.ReadAsStringAsync();
        Assert.Equal("[]", miasAudit);
        Assert.False(host.Switch.Hears(client, phone.Uuid));

        HttpResponseMessage barge = await host.PostAsync($"/supervisions/{leg}/mode", DashboardHost.Benjamin, new { mode = "Barge" });
        Assert.Equal(HttpStatusCode.OK, barge.StatusCode);
        Assert.True(host.Switch.Hears(client, phone.Uuid));

        Assert.Equal(HttpStatusCode.NoContent, (await host.PostAsync($"/supervisions/{leg}/end", DashboardHost.Benjamin, new { })).StatusCode);
        Assert.True((await host.Switch.WaitForChannelAsync(c => c.Uuid == leg && c.IsHungUp).WaitAsync(DashboardHost.Patience)).IsHungUp);
        string audit = await (await host.GetAsync("/audit", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        Assert.Contains("\"kind\":\"Started\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"trigger\":\"Api\"", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_refusal_has_its_status()
    {
        await using var host = await DashboardHost.StartAsync();

        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "1004", mode = "Listen" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "10\r\n04", mode = "Spy" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "1004", mode = "2" })).StatusCode);
        HttpResponseMessage notOnCall = await host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "1004", mode = "Spy" });
        Assert.Equal(HttpStatusCode.Forbidden, notOnCall.StatusCode);
        Assert.Contains("AgentNotOnCall", await notOnCall.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await host.PostAsync($"/supervisions/{Guid.NewGuid()}/end", DashboardHost.Benjamin, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.PostAsync($"/supervisions/{Guid.NewGuid()}/mode", DashboardHost.Benjamin, new { mode = "Loud" })).StatusCode);
    }

    [Fact]
    public async Task A_phone_that_is_rejected_answers_409()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.CallAsync("1004", "pbx.lab", "4915550001");

        Task<HttpResponseMessage> start = host.PostAsync("/supervisions", DashboardHost.Benjamin, new { agentExtension = "1004", mode = "Spy" });
        FakeChannel phone = await host.Switch.WaitForRingingAsync("1010", "pbx.lab").WaitAsync(DashboardHost.Patience);
        host.Switch.RejectRinging(phone.Uuid, "USER_BUSY");

        Assert.Equal(HttpStatusCode.Conflict, (await start.WaitAsync(DashboardHost.Patience)).StatusCode);
    }
}
