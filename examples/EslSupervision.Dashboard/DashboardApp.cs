using System.Security.Claims;
using System.Security.Cryptography;
using EslSupervision.Testing;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace EslSupervision.Dashboard;

/// <summary>How the demo runs.</summary>
public sealed class DashboardAppSettings
{
    /// <summary>Calls come and go on the agents of both tenants (embedded mode only).</summary>
    public bool SimulateTraffic { get; init; } = true;

    /// <summary>The demo answers a ringing supervisor phone on the fake after a moment (embedded mode only).</summary>
    public bool AutoAnswerSupervisorPhones { get; init; } = true;

    /// <summary>Where Kestrel listens, e.g. <c>http://127.0.0.1:0</c>; null for the usual settings.</summary>
    public string? Urls { get; init; }
}

/// <summary>The demo web app: "Current calls" for supervisors, against an embedded fake switch or a real one.</summary>
public sealed class DashboardApp : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _background = [];

    private DashboardApp(WebApplication app, FakeFreeSwitch? fake)
    {
        App = app;
        Switch = fake;
    }

    /// <summary>The web application.</summary>
    public WebApplication App { get; }

    /// <summary>The embedded fake switch, or null against a real switch.</summary>
    public FakeFreeSwitch? Switch { get; }

    /// <summary>Builds the app. With neither <c>EslSupervision:Connection:Host</c> nor <c>EslSupervision:Switches</c> set it embeds the fake switch.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="settings">Demo behaviour.</param>
    public static async Task<DashboardApp> CreateAsync(string[] args, DashboardAppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        if (settings.Urls is not null)
        {
            builder.WebHost.UseUrls(settings.Urls);
        }

        FakeFreeSwitch? fake = null;
        // Embedded fake only when no real switch is configured: neither one (Connection) nor several (Switches, cluster mode).
        if (string.IsNullOrEmpty(builder.Configuration["EslSupervision:Connection:Host"]) && !builder.Configuration.GetSection("EslSupervision:Switches").GetChildren().Any())
        {
            // A fresh random password: the demo never ships one, and the library has no default.
            string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            fake = await DemoLab.StartSwitchAsync(password).ConfigureAwait(false);
            builder.Configuration.AddInMemoryCollection(DemoLab.Settings(fake.Port, password));
        }

        builder.Services.AddEslSupervision(builder.Configuration);
        builder.Services.AddEslSupervisionDashboard();
        builder.Services.AddOpenApi();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = "esl_demo";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // An API answers 401/403, it does not redirect to a login page.
            o.Events.OnRedirectToLogin = c => { c.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
            o.Events.OnRedirectToAccessDenied = c => { c.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
        });

        WebApplication app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapEslSupervision();
        MapDemoSignIn(app);

        var demo = new DashboardApp(app, fake);
        if (fake is not null)
        {
            if (settings.SimulateTraffic)
            {
                demo._background.Add(Task.Run(() => SimulatedTraffic.RunAsync(fake, demo._stop.Token)));
            }

            if (settings.AutoAnswerSupervisorPhones)
            {
                demo._background.Add(Task.Run(() => SimulatedTraffic.AnswerSupervisorPhonesAsync(fake, demo._stop.Token)));
            }
        }

        return demo;
    }

    /// <summary>Stops the background loops, the app and the fake switch.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_background).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        if (Switch is not null)
        {
            await Switch.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    /// <summary>
    /// Demo sign-in: pick a supervisor, get a cookie with their tenant and extension as claims. Sign-in and sign-out
    /// are POSTs that change who the browser is, so they carry the antiforgery token like the library's POSTs
    /// (<c>GET /demo/antiforgery</c>): another site cannot sign a visitor in as someone else, or out.
    /// </summary>
    private static void MapDemoSignIn(WebApplication app)
    {
        app.MapGet("/demo/supervisors", () => DemoLab.Supervisors.Select(s => new { s.Key, s.Name, s.Tenant, s.Extension }));
        app.MapGet("/demo/antiforgery", (HttpContext context, IAntiforgery antiforgery) =>
        {
            AntiforgeryTokenSet tokens = antiforgery.GetAndStoreTokens(context);
            return Results.Ok(new { tokens.RequestToken, HeaderName = tokens.HeaderName ?? "RequestVerificationToken" });
        });
        RouteGroupBuilder account = app.MapGroup("/demo");
        account.AddEndpointFilter(RequireAntiforgeryAsync);
        account.MapPost("/signin/{key}", async (HttpContext context, string key) =>
        {
            var who = DemoLab.Supervisors.FirstOrDefault(s => s.Key == key);
            if (who.Key is null)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown demo user");
            }

            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, who.Name), new Claim("esl_tenant", who.Tenant), new Claim("esl_extension", who.Extension)],
                CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(new ClaimsPrincipal(identity));
            return Results.Ok(new { who.Name, who.Tenant, who.Extension });
        });
        account.MapPost("/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync();
            return Results.NoContent();
        });
        app.MapGet("/demo/me", (ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true
            ? Results.Ok(new { name = user.Identity.Name, tenant = user.FindFirst("esl_tenant")?.Value, extension = user.FindFirst("esl_extension")?.Value })
            : Results.Unauthorized());
    }

    private static async ValueTask<object?> RequireAntiforgeryAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        try
        {
            await invocation.HttpContext.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(invocation.HttpContext).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Antiforgery token missing or invalid", detail: "Fetch GET /demo/antiforgery and send its token in the header it names.");
        }

        return await next(invocation).ConfigureAwait(false);
    }
}
