using System.Net;
using System.Text.Json;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>The Server-Sent Events stream: own tenant's changes arrive, nothing of another tenant, and a limit per user.</summary>
public class StreamTests
{
    [Fact]
    public async Task The_stream_delivers_a_change_of_the_own_tenant_and_nothing_of_another()
    {
        await using var host = await DashboardHost.StartAsync();
        using HttpResponseMessage response = await host.Client.SendAsync(DashboardHost.Request(HttpMethod.Get, "/stream", DashboardHost.Benjamin), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new List<string>();

        string initial = await Sse.NextStateAsync(reader, seen);
        Assert.Empty(JsonDocument.Parse(initial).RootElement.GetProperty("calls").EnumerateArray());

        await host.CallAsync("2004", "other.lab", "4915550999");
        await host.CallAsync("1004", "pbx.lab", "4915550001");
        string state;
        do
        {
            state = await Sse.NextStateAsync(reader, seen);
        }
        while (!state.Contains("\"agent\":\"1004\"", StringComparison.Ordinal));

        Assert.All(seen, s =>
        {
            Assert.DoesNotContain("other.lab", s, StringComparison.Ordinal);
            Assert.DoesNotContain("2004", s, StringComparison.Ordinal);
            Assert.DoesNotContain("4915550999", s, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_fourth_open_stream_of_one_user_is_refused_with_429_while_others_are_not_affected()
    {
        await using var host = await DashboardHost.StartAsync(maxStreams: 3);
        var open = new List<HttpResponseMessage>();
        for (int i = 0; i < 3; i++)
        {
            HttpResponseMessage ok = await host.Client.SendAsync(DashboardHost.Request(HttpMethod.Get, "/stream", DashboardHost.Benjamin), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            open.Add(ok);
        }

        HttpResponseMessage refused = await host.Client.SendAsync(DashboardHost.Request(HttpMethod.Get, "/stream", DashboardHost.Benjamin), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        using HttpResponseMessage mia = await host.Client.SendAsync(DashboardHost.Request(HttpMethod.Get, "/stream", DashboardHost.Mia), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, mia.StatusCode);
        foreach (HttpResponseMessage r in open)
        {
            r.Dispose();
        }
    }
}

/// <summary>Reading Server-Sent Events in tests.</summary>
internal static class Sse
{
    /// <summary>Reads up to the next complete <c>state</c> event and returns its data.</summary>
    public static async Task<string> NextStateAsync(StreamReader reader, List<string> seen)
    {
        using var timeout = new CancellationTokenSource(DashboardHost.Patience);
        string? eventName = null;
        while (true)
        {
            string? line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName == "state")
            {
                seen.Add(line[6..]);
                return line[6..];
            }
        }
    }
}
