using EslSupervision.Control;
using EslSupervision.Hosting;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EslSupervision.Tests.Control;

/// <summary>An invalid settings reload keeps the last valid settings in force, says so loudly, and clears when fixed.</summary>
public class SettingsReloadTests
{
    private static SupervisionOptions InvalidButWouldDisablePbxLab()
    {
        // If this were applied, pbx.lab would be off and Benjamin refused; it is invalid, so it must not be.
        SupervisionOptions options = SupervisionHarness.LabOptions();
        options.Tenants["pbx.lab"].Enabled = false;
        options.PermissionTimeout = TimeSpan.FromSeconds(-1);
        return options;
    }

    private static async Task<HealthCheckResult> HealthAsync(SupervisionHarness lab)
    {
        var check = new EslSupervisionHealthCheck(lab.Client, lab.Controller);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("esl", check, HealthStatus.Unhealthy, null) };
        return await check.CheckHealthAsync(context);
    }

    [Fact]
    public async Task An_invalid_reload_keeps_serving_and_refusing_with_the_last_valid_settings_until_fixed()
    {
        using var metrics = new MetricProbe("esl_supervision.settings.invalid_reloads");
        await using var lab = await SupervisionHarness.StartAsync();
        FakeCall call = await lab.OliviaTalksToAClientAsync();

        lab.Options.CurrentValue = InvalidButWouldDisablePbxLab();

        HealthCheckResult degraded = await HealthAsync(lab);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("settings invalid: PermissionTimeout.", degraded.Description);
        Assert.True(metrics.Total >= 1);

        // Refused with the last valid settings: Sam is no supervisor. Audited and audible.
        FakeChannel sam = lab.Switch.DialParked("1005", "pbx.lab", "*901004");
        Assert.Equal(DenialReason.NotASupervisor, (await lab.WaitForAuditAsync(SupervisionAuditKind.Denied, sam.Uuid)).DenialReason);
        Assert.Equal("CALL_REJECTED", (await lab.HungUpAsync(sam.Uuid)).HangupCause);

        // Served with the last valid settings: pbx.lab is still on.
        FakeChannel benjamin = await lab.SuperviseAsync("1010", "*901004");
        Assert.True(lab.Switch.Hears(benjamin.Uuid, call.BLeg.Uuid));

        SupervisionOptions fixedOptions = SupervisionHarness.LabOptions();
        fixedOptions.PermissionTimeout = TimeSpan.FromSeconds(3);
        lab.Options.CurrentValue = fixedOptions;

        HealthCheckResult healthy = await HealthAsync(lab);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
    }

    [Fact]
    public async Task Through_configuration_an_invalid_reload_is_detected_and_the_last_valid_value_stays_in_force()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EslSupervision:Connection:Password"] = "lab-secret",
            ["EslSupervision:Tenants:pbx.lab:Enabled"] = "true",
            ["EslSupervision:PermissionTimeout"] = "00:00:02",
        }).Build();
        var services = new ServiceCollection();
        services.AddEslSupervision(config);
        await using ServiceProvider provider = services.BuildServiceProvider();
        var settings = provider.GetRequiredService<SupervisionSettings>();
        SupervisionController controller = provider.GetRequiredService<SupervisionController>();
        IOptionsMonitor<SupervisionOptions> frameworkMonitor = provider.GetRequiredService<IOptionsMonitor<SupervisionOptions>>();
        Assert.Equal(TimeSpan.FromSeconds(2), frameworkMonitor.CurrentValue.PermissionTimeout);

        config["EslSupervision:PermissionTimeout"] = "-00:00:01";
        config["EslSupervision:SpyDigit"] = "55";
        ReloadIgnoringTheFrameworkMonitor(config);

        // The root cause of the silent failure: the framework's monitor now throws on every read.
        Assert.Throws<OptionsValidationException>(() => frameworkMonitor.CurrentValue);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.CurrentValue.PermissionTimeout);
        Assert.Equal(["PermissionTimeout", "SpyDigit"], settings.InvalidKeys);
        Assert.Equal(["settings invalid: PermissionTimeout, SpyDigit"], controller.HealthProblems);

        config["EslSupervision:PermissionTimeout"] = "00:00:05";
        config["EslSupervision:SpyDigit"] = "0";
        ReloadIgnoringTheFrameworkMonitor(config);

        Assert.Null(settings.InvalidKeys);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.CurrentValue.PermissionTimeout);
        Assert.Empty(controller.HealthProblems);
    }

    private static void ReloadIgnoringTheFrameworkMonitor(IConfiguration config)
    {
        try
        {
            ((IConfigurationRoot)config).Reload();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            // The framework's own monitor rethrows validation failures into the reload; a file watcher swallows them.
        }
    }

    [Theory]
    [InlineData(new[] { "PermissionTimeout must be greater than zero and at most 00:01:00; it is -00:00:01." }, new[] { "PermissionTimeout" })]
    [InlineData(new[] { "RingGroups[2] ('x'): Members[0] extension 'secret-ish' must be 2 to 10 ASCII digits.", "Tenant 'a b' is not a valid domain name." }, new[] { "RingGroups[2]", "Tenants" })]
    [InlineData(new[] { "   " }, new[] { "(settings)" })]
    public void The_error_names_keys_never_values(string[] failures, string[] keys)
        => Assert.Equal(keys, SupervisionSettings.KeysOf(failures));
}
