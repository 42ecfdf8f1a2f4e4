using System.Text.Json;
using EslSupervision.AspNetCore.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>
/// The shared per-tenant views and cached permissions behind the stream: a change in one tenant never reaches (or
/// even wakes) another tenant's stream, and a revoked permission takes the Start buttons off an open page once the
/// cache is invalidated by the settings reload.
/// </summary>
public class CachedViewTests
{
    [Fact]
    public async Task Changes_in_one_tenant_neither_reach_nor_wake_a_stream_of_another()
    {
        await using var host = await DashboardHost.StartAsync();
        var index = host.App.Services.GetRequiredService<TenantCallIndex>();
        using HttpResponseMessage response = await host.Client.SendAsync(DashboardHost.Request(HttpMethod.Get, "/stream", DashboardHost.Mia), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new List<string>();
        Assert.Empty(JsonDocument.Parse(await Sse.NextStateAsync(reader, seen)).RootElement.GetProperty("calls").EnumerateArray());
        long otherVersion = index.Version("other.lab");

        // Three calls come and one goes in pbx.lab: Benjamin's tenant's view changes, Mia's does not move.
        await host.CallAsync("1004", "pbx.lab", "4915550001");
        await host.CallAsync("1005", "pbx.lab", "4915550002");
        FakeCallEnd(host, await host.CallAsync("1006", "pbx.lab", "4915550003"));
        Assert.Equal(otherVersion, index.Version("other.lab"));

        // The next state Mia's stream writes is the one her own tenant's call caused: nothing was written before it.
        await host.CallAsync("2004", "other.lab", "4915550999");
        string state = await Sse.NextStateAsync(reader, seen);
        Assert.Equal("2004", Assert.Single(JsonDocument.Parse(state).RootElement.GetProperty("calls").EnumerateArray()).GetProperty("agent").GetString());
        Assert.Equal(2, seen.Count);
        Assert.All(seen, s =>
        {
            Assert.DoesNotContain("pbx.lab", s, StringComparison.Ordinal);
            Assert.DoesNotContain("491555000", s, StringComparison.Ordinal);
            Assert.DoesNotContain("\"agent\":\"100", s, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Both_tenants_share_nothing_in_the_cached_rows_even_when_asked_in_turn()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.CallAsync("1004", "pbx.lab", "4915550001");
        await host.CallAsync("2004", "other.lab", "4915550999");

        // Each GET builds or reuses its own tenant's cached rows; alternating must never hand one tenant the other's.
        for (int i = 0; i < 3; i++)
        {
            string benjamin = await (await host.GetAsync("/calls", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
            string mia = await (await host.GetAsync("/calls", DashboardHost.Mia)).Content.ReadAsStringAsync();
            Assert.Contains("4915550001", benjamin, StringComparison.Ordinal);
            Assert.DoesNotContain("4915550999", benjamin, StringComparison.Ordinal);
            Assert.Contains("4915550999", mia, StringComparison.Ordinal);
            Assert.DoesNotContain("4915550001", mia, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_revoked_supervisor_loses_the_start_buttons_on_an_open_stream_once_the_settings_reload()
    {
        await using var host = await DashboardHost.StartAsync();
        using HttpResponseMessage response = await host.Client.SendAsync(DashboardHost.Request(HttpMethod.Get, "/stream", DashboardHost.Benjamin), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new List<string>();
        await Sse.NextStateAsync(reader, seen);
        await host.CallAsync("1004", "pbx.lab", "4915550001");
        JsonElement call;
        do
        {
            call = Calls(await Sse.NextStateAsync(reader, seen)).FirstOrDefault();
        }
        while (call.ValueKind == JsonValueKind.Undefined || call.GetProperty("allowedModes").GetArrayLength() < 3);

        // Benjamin (member 3 of ring group 0) is no longer a supervisor: no call changes, only the settings.
        var configuration = (IConfigurationRoot)host.App.Configuration;
        configuration["EslSupervision:RingGroups:0:Members:3:Supervisor"] = "false";
        configuration.Reload();

        do
        {
            call = Assert.Single(Calls(await Sse.NextStateAsync(reader, seen)));
        }
        while (call.GetProperty("allowedModes").GetArrayLength() > 0);

        Assert.Equal("1004", call.GetProperty("agent").GetString());
        string calls = await (await host.GetAsync("/calls", DashboardHost.Benjamin)).Content.ReadAsStringAsync();
        Assert.Empty(Assert.Single(Calls(calls)).GetProperty("allowedModes").EnumerateArray());
    }

    private static List<JsonElement> Calls(string state)
        => [.. JsonDocument.Parse(state).RootElement.GetProperty("calls").EnumerateArray().Select(c => c.Clone())];

    private static void FakeCallEnd(DashboardHost host, EslSupervision.Testing.FakeCall call) => host.Switch.Hangup(call.ALeg.Uuid);
}
