using System.Text.Json;
using EslSupervision;
using EslSupervision.AspNetCore.Internal;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.Permissions;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the "Current calls" endpoints.</summary>
public static class EslSupervisionEndpointRouteBuilderExtensions
{
    /// <summary>The default route prefix.</summary>
    public const string DefaultPrefix = "/api/supervision";

    /// <summary>
    /// Maps, under <paramref name="prefix"/>, for the signed-in supervisor's own tenant only:
    /// <c>GET calls</c>, <c>GET stream</c> (Server-Sent Events), <c>GET audit</c>, <c>GET antiforgery</c>,
    /// <c>POST supervisions</c> (start), <c>POST supervisions/{leg}/mode</c> and <c>POST supervisions/{leg}/end</c>.
    /// Every endpoint requires an authenticated user that <see cref="EslSupervision.AspNetCore.ISupervisorIdentityResolver"/>
    /// maps to a PBX identity (else 403); every POST requires the antiforgery token (header or form field).
    /// Needs <c>services.AddEslSupervisionDashboard()</c>, authentication and <c>app.UseAuthentication()</c>/<c>UseAuthorization()</c>.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">The route prefix; default <see cref="DefaultPrefix"/>.</param>
    /// <returns>The route group, to add conventions (e.g. a policy with <c>RequireAuthorization("name")</c>).</returns>
    public static RouteGroupBuilder MapEslSupervision(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(prefix).RequireAuthorization().WithTags("Supervision");
        group.AddEndpointFilter(RequireSupervisorAsync);

        group.MapGet("/calls", GetCallsAsync).WithName("EslSupervisionCalls").WithSummary("Current calls of the caller's tenant, with running supervisions and the modes the caller may start.");
        group.MapGet("/stream", StreamAsync).WithName("EslSupervisionStream").WithSummary("Server-Sent Events: the same state as GET calls after every change of the tenant (coalesced).")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/audit", GetAudit).WithName("EslSupervisionAudit").WithSummary("Recent audit entries of the caller's tenant, newest first.");
        group.MapGet("/antiforgery", GetAntiforgery).WithName("EslSupervisionAntiforgery").WithSummary("The antiforgery token every POST must carry (sets the matching cookie).");

        RouteGroupBuilder posts = group.MapGroup("/supervisions");
        posts.AddEndpointFilter(RequireAntiforgeryAsync);
        posts.MapPost("/", StartAsync).WithName("EslSupervisionStart").WithSummary("Calls the supervisor's phone and starts supervising the agent once answered.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status502BadGateway);
        posts.MapPost("/{legId}/mode", SwitchAsync).WithName("EslSupervisionSwitch").WithSummary("Switches one of the caller's running supervisions to another mode.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        posts.MapPost("/{legId}/end", EndAsync).WithName("EslSupervisionEnd").WithSummary("Ends one of the caller's running supervisions.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static UserIdentity Me(HttpContext context) => (UserIdentity)context.Items[typeof(UserIdentity)]!;

    private static async ValueTask<object?> RequireSupervisorAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        HttpContext context = invocation.HttpContext;
        var resolver = context.RequestServices.GetRequiredService<EslSupervision.AspNetCore.ISupervisorIdentityResolver>();
        UserIdentity? me = null;
        try
        {
            me = resolver.Resolve(context.User);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Fail closed: a resolver that throws grants nothing.
        }

        if (me is null || string.IsNullOrWhiteSpace(me.Tenant) || string.IsNullOrWhiteSpace(me.Extension))
        {
            DashboardLog.Refused(Logger(context), "the signed-in user is not a PBX user");
            return Problem(StatusCodes.Status403Forbidden, "Not a supervisor", "The signed-in user has no PBX identity.");
        }

        context.Items[typeof(UserIdentity)] = me;
        return await next(invocation).ConfigureAwait(false);
    }

    private static async ValueTask<object?> RequireAntiforgeryAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        HttpContext context = invocation.HttpContext;
        IAntiforgery antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            DashboardLog.AntiforgeryFailed(Logger(context));
            return Problem(StatusCodes.Status400BadRequest, "Antiforgery token missing or invalid", "Fetch GET antiforgery and send its token in the header it names.");
        }

        return await next(invocation).ConfigureAwait(false);
    }

    private static async Task<IResult> GetCallsAsync(HttpContext context, DashboardView view, CancellationToken cancellationToken)
        => Results.Ok(await view.BuildAsync(Me(context), cancellationToken).ConfigureAwait(false));

    private static IResult GetAudit(HttpContext context, DashboardView view, int? take)
        => Results.Ok(view.RecentAudit(Me(context).Tenant, take ?? int.MaxValue));

    private static IResult GetAntiforgery(HttpContext context, IAntiforgery antiforgery)
    {
        AntiforgeryTokenSet tokens = antiforgery.GetAndStoreTokens(context);
        return Results.Ok(new AntiforgeryDto(tokens.RequestToken, tokens.HeaderName ?? "RequestVerificationToken"));
    }

    private static async Task<IResult> StreamAsync(HttpContext context, DashboardView view, TenantCallIndex index, PermissionCache permissions, AuditRing audit, StreamLimiter limiter, IOptions<EslSupervision.AspNetCore.EslSupervisionDashboardOptions> options, IOptions<JsonOptions> json, TimeProvider time)
    {
        UserIdentity me = Me(context);
        string key = me.ToString();
        int max = options.Value.MaxStreamsPerUser;
        if (!limiter.TryEnter(key, max))
        {
            DashboardLog.TooManyStreams(Logger(context), key, max);
            return Problem(StatusCodes.Status429TooManyRequests, "Too many live streams", $"At most {max} live streams per user.");
        }

        try
        {
            await LiveStream.RunAsync(context, me, view, index, permissions, audit, options.Value, time, json.Value.SerializerOptions, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            limiter.Exit(key);
            DashboardLog.StreamEnded(Logger(context), key);
        }

        return Results.Empty;
    }

    private static async Task<IResult> StartAsync(HttpContext context, StartBody? body, ISupervisionOperations operations, IOptions<EslSupervision.AspNetCore.EslSupervisionDashboardOptions> options, CancellationToken cancellationToken)
    {
        UserIdentity me = Me(context);
        if (body is null || string.IsNullOrWhiteSpace(body.AgentExtension) || !TryParseMode(body.Mode, out SupervisionMode mode))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid request", "Give agentExtension and mode (Spy, Whisper or Barge).");
        }

        SupervisionStartResult result;
        try
        {
            // The supervisor is who signed in; nothing in the body can name another user or tenant.
            result = await operations.StartSupervisionAsync(new SupervisionStartRequest(me, body.AgentExtension, mode) { RingTimeout = options.Value.RingTimeout }, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid request", "The agent extension or the signed-in identity is not valid.");
        }

        DashboardLog.StartRequested(Logger(context), me.ToString(), result.Outcome.ToString());
        return result.Outcome switch
        {
            SupervisionStartOutcome.Started => Results.Ok(new StartResponse(result.Outcome.ToString(), result.SupervisorLegId, result.Detail)),
            SupervisionStartOutcome.Denied => Problem(StatusCodes.Status403Forbidden, "Supervision refused", Reason(result.Decision)),
            SupervisionStartOutcome.NotAnswered => Problem(StatusCodes.Status409Conflict, "Your phone was not answered", result.HangupCause),
            _ => Problem(StatusCodes.Status502BadGateway, "Supervision could not start", result.HangupCause ?? result.Detail),
        };
    }

    private static async Task<IResult> SwitchAsync(HttpContext context, string legId, ModeBody? body, ISupervisionOperations operations, CancellationToken cancellationToken)
    {
        if (body is null || !TryParseMode(body.Mode, out SupervisionMode mode))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid request", "Give mode (Spy, Whisper or Barge).");
        }

        if (!await IsMineAsync(operations, Me(context), legId, cancellationToken).ConfigureAwait(false))
        {
            return NoSuchSupervision();
        }

        PermissionDecision decision = await operations.SwitchModeAsync(legId, mode, cancellationToken).ConfigureAwait(false);
        return decision.IsAllowed
            ? Results.Ok(new { mode = mode.ToString() })
            : decision.Reason switch
            {
                DenialReason.NoSuchSupervision => NoSuchSupervision(),
                DenialReason.RunByAnotherReplica => RunByAnotherReplica(decision),
                _ => Problem(StatusCodes.Status403Forbidden, "Mode change refused", Reason(decision)),
            };
    }

    private static async Task<IResult> EndAsync(HttpContext context, string legId, ISupervisionOperations operations, CancellationToken cancellationToken)
    {
        UserIdentity me = Me(context);
        (IReadOnlyList<SupervisionInfo> all, _) = await RunningSupervisions.ReadAsync(operations, cancellationToken).ConfigureAwait(false);
        SupervisionInfo? mine = Mine(all, me, legId);
        if (mine is null)
        {
            return NoSuchSupervision();
        }

        if (await operations.EndAsync(legId, cancellationToken).ConfigureAwait(false))
        {
            return Results.NoContent();
        }

        // Not ended here: if the list names another replica, say so (only that replica can end it).
        return mine.Replica is { } replica && !operations.ActiveSupervisions.Any(s => string.Equals(s.SupervisorLegId, legId, StringComparison.OrdinalIgnoreCase))
            ? RunByAnotherReplica(PermissionDecision.Deny(DenialReason.RunByAnotherReplica, $"Replica {replica} runs this supervision; only it can switch or end it."))
            : NoSuchSupervision();
    }

    /// <summary>Only the supervisor's own running supervisions (on any replica) can be switched or ended; anything else looks the same as "none" (no probing of other users' legs).</summary>
    private static async Task<bool> IsMineAsync(ISupervisionOperations operations, UserIdentity me, string legId, CancellationToken cancellationToken)
        => Mine((await RunningSupervisions.ReadAsync(operations, cancellationToken).ConfigureAwait(false)).List, me, legId) is not null;

    private static SupervisionInfo? Mine(IReadOnlyList<SupervisionInfo> all, UserIdentity me, string legId)
        => all.FirstOrDefault(s => string.Equals(s.SupervisorLegId, legId, StringComparison.OrdinalIgnoreCase) && s.Supervisor == me);

    /// <summary>The supervision is the caller's, but another replica runs it: 409, naming the replica, so a load balancer or the user can go there.</summary>
    private static IResult RunByAnotherReplica(PermissionDecision decision)
        => Problem(StatusCodes.Status409Conflict, "Supervision runs on another controller replica", decision.Detail);

    private static IResult NoSuchSupervision() => Problem(StatusCodes.Status404NotFound, "No such supervision", "You have no running supervision with that id.");

    private static bool TryParseMode(string? value, out SupervisionMode mode)
    {
        mode = default;
        return value is "Spy" or "Whisper" or "Barge" or "spy" or "whisper" or "barge" && Enum.TryParse(value, ignoreCase: true, out mode);
    }

    private static string Reason(PermissionDecision? decision) => decision is null ? "Refused." : $"{decision.Reason}: {decision.Detail}";

    private static IResult Problem(int status, string title, string? detail) => Results.Problem(statusCode: status, title: title, detail: detail);

    private static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("EslSupervision.AspNetCore");
}
