using System.Security.Claims;
using EslSupervision.Calls;

namespace EslSupervision.AspNetCore;

/// <summary>
/// Maps the signed-in principal (ASP.NET Core authentication) to the supervisor's PBX identity. The dashboard
/// endpoints take identity from here only, never from a request's body, query or headers.
/// </summary>
public interface ISupervisorIdentityResolver
{
    /// <summary>The supervisor's tenant and extension, or <see langword="null"/> when the principal is not a PBX user (the endpoints answer 403).</summary>
    /// <param name="user">The authenticated principal.</param>
    UserIdentity? Resolve(ClaimsPrincipal user);
}

/// <summary>
/// The default resolver: two claims of an authenticated principal, <see cref="EslSupervisionDashboardOptions.TenantClaimType"/>
/// and <see cref="EslSupervisionDashboardOptions.ExtensionClaimType"/> (by default <c>esl_tenant</c> and <c>esl_extension</c>).
/// </summary>
public sealed class ClaimsSupervisorIdentityResolver : ISupervisorIdentityResolver
{
    private readonly EslSupervisionDashboardOptions _options;

    /// <summary>Creates the resolver.</summary>
    /// <param name="options">Which claims to read.</param>
    public ClaimsSupervisorIdentityResolver(Microsoft.Extensions.Options.IOptions<EslSupervisionDashboardOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <inheritdoc />
    public UserIdentity? Resolve(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        string? tenant = user.FindFirst(_options.TenantClaimType)?.Value;
        string? extension = user.FindFirst(_options.ExtensionClaimType)?.Value;
        return string.IsNullOrWhiteSpace(tenant) || string.IsNullOrWhiteSpace(extension) ? null : new UserIdentity(tenant, extension);
    }
}
