namespace EslSupervision.AspNetCore;

/// <summary>Settings of the "Current calls" endpoints.</summary>
public sealed class EslSupervisionDashboardOptions
{
    /// <summary>The claim that holds the supervisor's tenant (PBX domain), read by <see cref="ClaimsSupervisorIdentityResolver"/>. Default <c>esl_tenant</c>.</summary>
    public string TenantClaimType { get; set; } = "esl_tenant";

    /// <summary>The claim that holds the supervisor's extension. Default <c>esl_extension</c>.</summary>
    public string ExtensionClaimType { get; set; } = "esl_extension";

    /// <summary>Open live streams per user; one more is refused with 429. Default 3.</summary>
    public int MaxStreamsPerUser { get; set; } = 3;

    /// <summary>The shortest time between two updates on one stream (changes in between are coalesced). Default 250 ms (at most 4 updates/s).</summary>
    public TimeSpan StreamUpdateInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long the page keeps a permission provider's answer on which modes a supervisor may start on an agent
    /// (it only decides which buttons show: every start is authorized again). All answers are dropped at once when
    /// the settings reload or the provider signals <c>ISupervisionPermissionChangeSource.PermissionsChanged</c>, and
    /// open streams are refreshed. Zero asks the provider on every update. Default 15 seconds.
    /// </summary>
    public TimeSpan PermissionCacheDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many audit entries the in-memory ring keeps (all tenants together). Default 1000.</summary>
    public int AuditCapacity { get; set; } = 1000;

    /// <summary>How many audit entries a request or stream update returns at most. Default 50.</summary>
    public int AuditPageSize { get; set; } = 50;

    /// <summary>How long the supervisor's phone rings for a start from the page. Default 30 seconds.</summary>
    public TimeSpan RingTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
