using System.Globalization;
using System.Net.Http.Json;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Security.Claims;
using System.Security.Cryptography;
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
/// (pbx.lab: agents 1004-1006, supervisor Benjamin 1010; other.lab: agents 2004-2005, supervisor Mia 2010), one
/// switch or (<see cref="StartClusterAsync"/>) two linked switches in cluster mode.
/// The test authentication scheme turns the <c>X-Test-User</c> header (<c>ext@tenant</c>) into the principal's claims.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    public const string Benjamin = "1010@pbx.lab";
    public const string Mia = "2010@other.lab";
    public const string NotAPbxUser = "nobody";
    private const string Password = "lab-secret";

    private DashboardHost(IReadOnlyDictionary<string, FakeFreeSwitch> switches, WebApplication app)
    {
        Switches = switches;
        Switch = switches.Count == 1 ? switches.Values.Single() : switches["a"];
        App = app;
        Client = app.GetTestClient();
    }

    /// <summary>The only switch, or in cluster mode switch a.</summary>
    public FakeFreeSwitch Switch { get; }

    /// <summary>The switches by configured name (one, unnamed, for a single switch).</summary>
    public IReadOnlyDictionary<string, FakeFreeSwitch> Switches { get; }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public ICallRegistry Registry => App.Services.GetRequiredService<ICallRegistry>();

    public static async Task<DashboardHost> StartAsync(int maxStreams = 3, Action<FakeFreeSwitch>? beforeStart = null)
    {
        FakeFreeSwitch fs = await DemoLab.StartSwitchAsync(Password);
        beforeStart?.Invoke(fs);
        return await StartAppAsync(new Dictionary<string, FakeFreeSwitch> { [string.Empty] = fs }, DemoLab.Settings(fs.Port, Password), maxStreams);
    }

    /// <summary>
    /// Cluster mode: switch a has both supervisors' phones and other.lab's agents, switch b pbx.lab's agents, linked by
    /// a trunk both ways (gateways <c>to-a</c>, <c>to-b</c>), configured as <c>EslSupervision:Switches:{a,b}</c> with a token key.
    /// </summary>
    public static async Task<DashboardHost> StartClusterAsync()
    {
        var switches = new Dictionary<string, FakeFreeSwitch>(StringComparer.Ordinal)
        {
            ["a"] = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = Password, Hostname = "fs-a" }),
            ["b"] = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = Password, Hostname = "fs-b" }),
        };
        foreach (var (tenant, ext, name) in DemoLab.Agents)
        {
            switches[tenant == "pbx.lab" ? "b" : "a"].AddUser(new FakeUser(ext, tenant, name));
        }

        foreach (var (_, tenant, ext, name) in DemoLab.Supervisors)
        {
            switches["a"].AddUser(new FakeUser(ext, tenant, name) { AutoAnswer = false });
        }

        switches["a"].LinkPeer(switches["b"], "to-b", returnGatewayName: "to-a");

        // The demo's tenants and ring groups, with the switches listed by name instead of the flat connection.
        Dictionary<string, string?> settings = DemoLab.Settings(0, Password);
        foreach (string key in settings.Keys.Where(k => k.StartsWith("EslSupervision:Connection:", StringComparison.Ordinal)).ToList())
        {
            settings.Remove(key);
        }

        settings["EslSupervision:Cluster:TokenKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        foreach (var (name, fs) in switches)
        {
            settings[$"EslSupervision:Switches:{name}:Connection:Host"] = "127.0.0.1";
            settings[$"EslSupervision:Switches:{name}:Connection:Port"] = fs.Port.ToString(CultureInfo.InvariantCulture);
            settings[$"EslSupervision:Switches:{name}:Connection:Password"] = Password;
            settings[$"EslSupervision:Switches:{name}:DialString"] = $"sofia/gateway/to-{name}/{{destination}}";
        }

        return await StartAppAsync(switches, settings, maxStreams: 3);
    }

    private static async Task<DashboardHost> StartAppAsync(IReadOnlyDictionary<string, FakeFreeSwitch> switches, Dictionary<string, string?> settings, int maxStreams)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
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
        return new DashboardHost(switches, app);
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

    /// <summary>A client calls an agent (on <paramref name="on"/>, default <see cref="Switch"/>); returns once the registry knows the agent's leg is bridged.</summary>
    public async Task<FakeCall> CallAsync(string agent, string tenant, string clientNumber, FakeFreeSwitch? on = null)
    {
        Task bridged = Registry.Changes.FirstAsync(_ => Registry.FindActiveAgentLeg(tenant, agent) is not null).ToTask();
        FakeCall call = (on ?? Switch).ClientCallsAgent(clientNumber, "Client", "5551000", agent, tenant);
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
        foreach (FakeFreeSwitch fs in Switches.Values)
        {
            await fs.DisposeAsync();
        }
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
