using Microsoft.Extensions.Options;

namespace EslSupervision.Permissions;

/// <summary>The default <see cref="ITenantPolicy"/>: <see cref="SupervisionOptions.Tenants"/>, as last validly loaded.</summary>
internal sealed class SettingsTenantPolicy : ITenantPolicy
{
    private readonly IOptionsMonitor<SupervisionOptions> _options;

    public SettingsTenantPolicy(IOptionsMonitor<SupervisionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    public ValueTask<bool> IsEnabledAsync(string tenant, CancellationToken cancellationToken)
        => new(_options.CurrentValue.IsTenantEnabled(tenant));
}
