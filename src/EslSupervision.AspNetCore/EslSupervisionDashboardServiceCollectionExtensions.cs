using EslSupervision.AspNetCore;
using EslSupervision.AspNetCore.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what <c>MapEslSupervision</c> needs.</summary>
public static class EslSupervisionDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds the "Current calls" services on top of <c>AddEslSupervision</c>: the identity resolver (claims
    /// <c>esl_tenant</c>/<c>esl_extension</c> unless you register your own <see cref="ISupervisorIdentityResolver"/>),
    /// the audit ring, the per-tenant call views and cached permissions, the stream limits, authorization, antiforgery and ProblemDetails.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Optional settings.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddEslSupervisionDashboard(this IServiceCollection services, Action<EslSupervisionDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<EslSupervisionDashboardOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.MaxStreamsPerUser >= 1 && o.AuditCapacity >= 1 && o.AuditPageSize >= 1 && o.StreamUpdateInterval >= TimeSpan.Zero && o.PermissionCacheDuration >= TimeSpan.Zero && o.PermissionCacheDuration <= TimeSpan.FromHours(1) && o.RingTimeout >= TimeSpan.FromSeconds(1) && o.RingTimeout <= TimeSpan.FromSeconds(300), "EslSupervisionDashboardOptions: a limit is out of range.").ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISupervisorIdentityResolver, ClaimsSupervisorIdentityResolver>();
        services.TryAddSingleton<AuditRing>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AuditRing>(sp => sp.GetRequiredService<AuditRing>()));
        services.TryAddSingleton<TenantCallIndex>();
        services.TryAddSingleton<TenantCallsCache>();
        services.TryAddSingleton<PermissionCache>();
        services.TryAddSingleton<DashboardView>();
        services.TryAddSingleton<StreamLimiter>();
        services.AddAuthorization();
        services.AddAntiforgery();
        services.AddProblemDetails();
        return services;
    }
}
