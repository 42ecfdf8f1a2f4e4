namespace EslSupervision;

/// <summary>
/// Settings of call supervision, bound from the configuration section <see cref="SectionName"/>.
/// Validate them with <see cref="SupervisionOptionsValidator"/>.
/// </summary>
/// <remarks>
/// Supervision is off for every tenant (PBX domain) that is not listed in <see cref="Tenants"/> with
/// <see cref="TenantOptions.Enabled"/> set: a missing entry fails closed.
/// <para>Public because it is bound from configuration (section <c>EslSupervision</c>) and can be configured in code.</para>
/// </remarks>
public sealed class SupervisionOptions
{
    /// <summary>The configuration section the options are bound from: <c>EslSupervision</c>.</summary>
    public const string SectionName = "EslSupervision";

    /// <summary>The service-code prefix for <see cref="SupervisionMode.Spy"/>, followed by the agent's extension. Default <c>*90</c>.</summary>
    public string SpyPrefix { get; set; } = "*90";

    /// <summary>The service-code prefix for <see cref="SupervisionMode.Whisper"/>. Default <c>*91</c>.</summary>
    public string WhisperPrefix { get; set; } = "*91";

    /// <summary>The service-code prefix for <see cref="SupervisionMode.Barge"/>. Default <c>*92</c>.</summary>
    public string BargePrefix { get; set; } = "*92";

    /// <summary>The DTMF digit that switches a running supervision to <see cref="SupervisionMode.Spy"/>. Default <c>0</c>.</summary>
    public string SpyDigit { get; set; } = "0";

    /// <summary>The DTMF digit that switches to <see cref="SupervisionMode.Whisper"/>. Default <c>1</c>.</summary>
    public string WhisperDigit { get; set; } = "1";

    /// <summary>The DTMF digit that switches to <see cref="SupervisionMode.Barge"/>. Default <c>2</c>.</summary>
    public string BargeDigit { get; set; } = "2";

    /// <summary>The fewest digits an extension has. Default 2.</summary>
    public int ExtensionMinDigits { get; set; } = 2;

    /// <summary>The most digits an extension has (at most 32). Default 10.</summary>
    public int ExtensionMaxDigits { get; set; } = 10;

    /// <summary>The tenants, keyed by their PBX domain (case-insensitive). A tenant not listed has supervision off.</summary>
    public Dictionary<string, TenantOptions> Tenants { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The ring groups that define who may supervise whom.</summary>
    public List<RingGroupOptions> RingGroups { get; set; } = [];

    /// <summary>How long a permission provider may take before the request is denied. Default 2 seconds.</summary>
    public TimeSpan PermissionTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many audit entries may wait for each <see cref="Control.SupervisionController.Audit"/> subscriber and each
    /// <see cref="Control.ISupervisionAuditSink"/> before new entries are dropped for it (and counted). Read when the
    /// controller is created. Default 1024.
    /// </summary>
    public int AuditQueueCapacity { get; set; } = 1024;

    /// <summary>What a refused supervisor hears before being hung up (a FreeSWITCH playback argument); empty for nothing.</summary>
    public string RefusalSound { get; set; } = "tone_stream://%(200,100,480,620);loops=2";

    /// <summary>The FreeSWITCH hang-up cause for a refused supervisor. Default <c>CALL_REJECTED</c>.</summary>
    public string RefusalHangupCause { get; set; } = "CALL_REJECTED";

    /// <summary>Whether supervision is switched on for a tenant: it must be listed and enabled.</summary>
    /// <param name="tenant">The tenant's PBX domain.</param>
    public bool IsTenantEnabled(string? tenant)
    {
        if (string.IsNullOrEmpty(tenant) || Tenants is null)
        {
            return false;
        }

        foreach (KeyValuePair<string, TenantOptions> pair in Tenants)
        {
            if (string.Equals(pair.Key, tenant, StringComparison.OrdinalIgnoreCase))
            {
                return pair.Value is { Enabled: true };
            }
        }

        return false;
    }

    /// <summary>The service-code prefix of a mode.</summary>
    /// <param name="mode">The mode.</param>
    public string GetPrefix(SupervisionMode mode) => mode switch
    {
        SupervisionMode.Spy => SpyPrefix,
        SupervisionMode.Whisper => WhisperPrefix,
        SupervisionMode.Barge => BargePrefix,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown supervision mode."),
    };

    /// <summary>The DTMF digit of a mode.</summary>
    /// <param name="mode">The mode.</param>
    public string GetDigit(SupervisionMode mode) => mode switch
    {
        SupervisionMode.Spy => SpyDigit,
        SupervisionMode.Whisper => WhisperDigit,
        SupervisionMode.Barge => BargeDigit,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown supervision mode."),
    };
}

/// <summary>Supervision settings of one tenant (PBX domain).</summary>
/// <remarks>Public because it is bound from configuration (<c>EslSupervision:Tenants</c>).</remarks>
public sealed class TenantOptions
{
    /// <summary>Whether supervision is switched on for the tenant. Default off.</summary>
    public bool Enabled { get; set; }
}

/// <summary>A ring group: its members, and which of them supervise the others.</summary>
/// <remarks>Public because it is bound from configuration (<c>EslSupervision:RingGroups</c>).</remarks>
public sealed class RingGroupOptions
{
    /// <summary>The group's name (for messages and audit).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The tenant (PBX domain) the group belongs to.</summary>
    public string Tenant { get; set; } = string.Empty;

    /// <summary>The group's members.</summary>
    public List<RingGroupMemberOptions> Members { get; set; } = [];
}

/// <summary>One member of a ring group.</summary>
/// <remarks>Public because it is bound from configuration (<c>EslSupervision:RingGroups:n:Members</c>).</remarks>
public sealed class RingGroupMemberOptions
{
    /// <summary>The member's extension (its SIP user name).</summary>
    public string Extension { get; set; } = string.Empty;

    /// <summary>Whether the member may supervise the group's other members.</summary>
    public bool Supervisor { get; set; }

    /// <summary>The modes the member may use when supervising; empty or <see langword="null"/> means all three.</summary>
    public List<SupervisionMode>? AllowedModes { get; set; }

    /// <summary>Whether the member may use <paramref name="mode"/> when supervising.</summary>
    /// <param name="mode">The mode.</param>
    public bool Allows(SupervisionMode mode) => AllowedModes is null || AllowedModes.Count == 0 || AllowedModes.Contains(mode);
}
