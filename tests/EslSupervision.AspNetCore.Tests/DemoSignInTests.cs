using System.Net;
using System.Net.Http.Json;
using EslSupervision.Dashboard;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>
/// The demo's sign-in and sign-out POSTs change who the browser is: without the antiforgery token issued to that
/// browser they are refused, so another site cannot sign a visitor in as a supervisor (or out).
/// </summary>
public sealed class DemoSignInTests : IAsyncLifetime
{
    private DashboardApp _demo = null!;
    private Uri _base = null!;

    public async ValueTask InitializeAsync()
    {
        _demo = await DashboardApp.CreateAsync([], new DashboardAppSettings { SimulateTraffic = false, AutoAnswerSupervisorPhones = false, Urls = "http://127.0.0.1:0" });
        await _demo.App.StartAsync();
        _base = new Uri(_demo.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync() => await _demo.DisposeAsync();

    [Fact]
    public async Task Sign_in_without_the_token_is_refused_and_leaves_the_browser_signed_out()
    {
        using HttpClient browser = Browser();

        HttpResponseMessage refused = await browser.PostAsync("/demo/signin/benjamin", null);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/demo/me")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_with_the_browsers_own_token_works_and_sign_out_needs_a_token_too()
    {
        using HttpClient browser = Browser();

        HttpResponseMessage signedIn = await PostWithTokenAsync(browser, browser, "/demo/signin/benjamin");
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/demo/me")).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync("/demo/signout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/demo/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await PostWithTokenAsync(browser, browser, "/demo/signout")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/demo/me")).StatusCode);
    }

    [Fact]
    public async Task A_token_issued_to_another_browser_is_refused()
    {
        using HttpClient attacker = Browser();
        using HttpClient victim = Browser();

        // The victim's browser has its own antiforgery cookie; the attacker's page knows only the attacker's token.
        (await victim.GetAsync("/demo/antiforgery")).EnsureSuccessStatusCode();
        HttpResponseMessage refused = await PostWithTokenAsync(tokenFrom: attacker, sender: victim, "/demo/signin/mia");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await victim.GetAsync("/demo/me")).StatusCode);
    }

    /// <summary>A client with its own cookie jar, like one browser.</summary>
    private HttpClient Browser() => new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = _base };

    private static async Task<HttpResponseMessage> PostWithTokenAsync(HttpClient tokenFrom, HttpClient sender, string path)
    {
        var token = await tokenFrom.GetFromJsonAsync<TokenBody>("/demo/antiforgery");
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add(token!.HeaderName!, token.RequestToken);
        return await sender.SendAsync(request);
    }

    private sealed record TokenBody(string? RequestToken, string? HeaderName);
}
