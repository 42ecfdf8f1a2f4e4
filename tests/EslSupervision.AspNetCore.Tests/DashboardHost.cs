using System.Net.Http.Json;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Security.Claims;
using System.Text.Encodings.Web;
using EslSupervision.Calls;
using EslSupervision.Dashboard;
using EslSupervision.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EslSupervision.AspNetCore.Tests;

/// <summary>
/// The endpoints in an in-memory test server, wired only through <c>AddEslSupervision</c>,
/// <c>AddEslSupervisionDashboard</c> and <c>MapEslSupervision</c>, against the fake switch with the demo's two tenants
/// (pbx.lab: agents 1004-1006, supervisor Benjamin 1010; other.lab: agents 2004-2005, supervisor Mia 2010).
/// The test authentication scheme turns the <c>X-Test-User</c> header (<c>ext@tenant</c>) into the principal's claims.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    public const string Benjamin = "1010@pbx.lab";
    public const string Mia = "2010@other.lab";
    public const string NotAPbxUser = "nobody";

    private DashboardHost(FakeFreeSwitch fs, WebApplication app)
    {
        Switch = fs;
        App = app;
        Client = app.GetTestClient();
    }

    public FakeFreeSwitch Switch { get; }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public ICallRegistry Registry => App.Services.GetRequiredService<ICallRegistry>();

    public static async Task<DashboardHost> StartAsync(int maxStreams = 3, Action<FakeFreeSwitch>? beforeStart = null)
    {
        const string password = "lab-secret";
        FakeFreeSwitch fs = await DemoLab.StartSwitchAsync(password);
        beforeStart?.Invoke(fs);
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(DemoLab.Settings(fs.Port, password));
        builder.Services.AddEslSupervision(builder.Configuration);
        builder.Services.AddEslSupervisionDashboard(o =>
        {
            o.MaxStreamsPerUser = maxStreams;
            o.StreamUpdateInterval = TimeSpan.FromMilliseconds(20);
        });
        builder.Services.AddAuthentication(TestAuth.Name).AddScheme<AuthenticationSchemeOptions, TestAuth>(TestAuth.Name, null);
        WebApplication app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapEslSupervision();
        await app.StartAsync().WaitAsync(Patience);
        return new DashboardHost(fs, app);
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? user)
    {
        var request = new HttpRequestMessage(method, "/api/supervision" + path);
        if (user is not null)
        {
            request.Headers.Add(TestAuth.Header, user);
        }

        return request;
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? user) => Client.SendAsync(Request(HttpMethod.Get, path, user));

    /// <summary>The antiforgery cookie and request token for <paramref name="user"/>.</summary>
    public async Task<(string Cookie, string Token, string Header)> AntiforgeryAsync(string user)
    {
        HttpResponseMessage response = await GetAsync("/antiforgery", user);
        response.EnsureSuccessStatusCode();
        string cookie = response.Headers.GetValues("Set-Cookie").First().Split(';')[0];
        var body = await response.Content.ReadFromJsonAsync<TokenBody>();
        return (cookie, body!.RequestToken!, body.HeaderName!);
    }

    /// <summary>A POST as <paramref name="user"/>, with that user's antiforgery token unless <paramref name="antiforgery"/> is given.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, string? user, object body, (string Cookie, string Token, string Header)? antiforgery = null, bool withToken = true)
    {
        HttpRequestMessage request = Request(HttpMethod.Post, path, user);
        request.Content = JsonContent.Create(body);
        if (withToken)
        {
            var (cookie, token, header) = antiforgery ?? await AntiforgeryAsync(user!);
            request.Headers.Add("Cookie", cookie);
            request.Headers.Add(header, token);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>A client calls an agent; returns once the registry knows the agent's leg is bridged.</summary>
    public async Task<FakeCall> CallAsync(string agent, string tenant, string clientNumber)
    {
        Task bridged = Registry.Changes.FirstAsync(_ => Registry.FindActiveAgentLeg(tenant, agent) is not null).ToTask();
        FakeCall call = Switch.ClientCallsAgent(clientNumber, "Client", "5551000", agent, tenant);
        if (Registry.FindActiveAgentLeg(tenant, agent) is null)
        {
            await bridged.WaitAsync(Patience);
        }

        return call;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Switch.DisposeAsync();
    }

    private sealed record TokenBody(string? RequestToken, string? HeaderName);
}

/// <summary>Test authentication: the <c>X-Test-User</c> header names the signed-in user; <c>nobody</c> is signed in without PBX claims.</summary>
internal sealed class TestAuth(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Name = "Test";
    public const string Header = "X-Test-User";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? user = Request.Headers[Header];
        if (string.IsNullOrEmpty(user))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user) };
        string[] parts = user.Split('@');
        if (parts.Length == 2)
        {
            claims.Add(new Claim("esl_extension", parts[0]));
            claims.Add(new Claim("esl_tenant", parts[1]));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, Name)), Name)));
    }
}
