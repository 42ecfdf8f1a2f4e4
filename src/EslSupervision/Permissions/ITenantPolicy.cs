namespace EslSupervision.Permissions;

/// <summary>
/// Whether supervision is switched on for a tenant (PBX domain). Asked before anything else about a supervision
/// attempt, and again for every running supervision when settings or permissions change.
/// </summary>
/// <remarks>
/// <para>
/// Public because a PBX with many tenants keeps this flag in its own database: register an implementation in DI
/// (<c>services.AddSingleton&lt;ITenantPolicy, MyTenantPolicy&gt;()</c>, before or after <c>AddEslSupervision</c>)
/// instead of copying every tenant into <see cref="SupervisionOptions.Tenants"/>. The default reads
/// <see cref="SupervisionOptions.Tenants"/> (<see cref="SupervisionOptions.IsTenantEnabled"/>).
/// </para>
/// <para>
/// Fails closed: an exception, or no answer within <see cref="SupervisionOptions.PermissionTimeout"/>, is a denial.
/// Answer from memory where you can; it is asked on the path between a service-code call and its eavesdrop.
/// </para>
/// </remarks>
public interface ITenantPolicy
{
    /// <summary>Whether supervision is on for <paramref name="tenant"/>.</summary>
    /// <param name="tenant">The supervisor's authenticated domain (<c>variable_domain_name</c>); compare it case-insensitively.</param>
    /// <param name="cancellationToken">Cancelled when the answer is no longer wanted (time-out, shutdown).</param>
    /// <returns><see langword="true"/> only if supervision is on.</returns>
    ValueTask<bool> IsEnabledAsync(string tenant, CancellationToken cancellationToken);
}
