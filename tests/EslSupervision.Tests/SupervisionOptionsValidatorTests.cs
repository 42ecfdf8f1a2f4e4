using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EslSupervision.Tests;

public class SupervisionOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(Action<SupervisionOptions> change)
    {
        var options = new SupervisionOptions();
        options.Tenants["pbx.lab"] = new TenantOptions { Enabled = true };
        options.RingGroups.Add(new RingGroupOptions
        {
            Name = "support",
            Tenant = "pbx.lab",
            Members = [new() { Extension = "1004" }, new() { Extension = "1010", Supervisor = true }],
        });
        change(options);
        return new SupervisionOptionsValidator().Validate(null, options);
    }

    [Fact]
    public void Defaults_and_a_normal_configuration_are_valid()
    {
        Assert.True(new SupervisionOptionsValidator().Validate(null, new SupervisionOptions()).Succeeded);
        Assert.True(Validate(_ => { }).Succeeded);
    }

    public static TheoryData<string, Action<SupervisionOptions>> Invalid => new()
    {
        { "SpyPrefix", o => o.SpyPrefix = "" },
        { "WhisperPrefix", o => o.WhisperPrefix = "*9a" },
        { "BargePrefix", o => o.BargePrefix = "*92\r\n" },
        { "distinct", o => o.WhisperPrefix = "*90" },
        { "ambiguous", o => o.SpyPrefix = "*9" },
        { "ambiguous", o => o.BargePrefix = "*901" },
        { "SpyDigit", o => o.SpyDigit = "00" },
        { "AuditQueueCapacity", o => o.AuditQueueCapacity = 0 },
        { "WhisperDigit", o => o.WhisperDigit = "a" },
        { "BargeDigit", o => o.BargeDigit = "" },
        { "must be distinct", o => o.BargeDigit = "1" },
        { "ExtensionMinDigits", o => o.ExtensionMinDigits = 0 },
        { "ExtensionMinDigits", o => { o.ExtensionMinDigits = 5; o.ExtensionMaxDigits = 4; } },
        { "ExtensionMinDigits", o => o.ExtensionMaxDigits = 33 },
        { "not a valid domain", o => o.Tenants["bad tenant"] = new TenantOptions() },
        { "not a valid domain", o => o.Tenants["-pbx.lab"] = new TenantOptions() },
        { "not a valid domain", o => o.RingGroups[0].Tenant = "pbx..lab" },
        { "extension", o => o.RingGroups[0].Members[0].Extension = "1" },
        { "extension", o => o.RingGroups[0].Members[0].Extension = "10a4" },
        { "extension", o => o.RingGroups[0].Members[0].Extension = "\u0661\u0660\u0660\u0664" },
        { "more than once", o => o.RingGroups[0].Members.Add(new RingGroupMemberOptions { Extension = "1004" }) },
        { "Name", o => o.RingGroups[0].Name = "sup\nport" },
        { "unknown mode", o => o.RingGroups[0].Members[1].AllowedModes = [(SupervisionMode)7] },
        { "PermissionTimeout", o => o.PermissionTimeout = TimeSpan.Zero },
        { "RefusalSound", o => o.RefusalSound = "tone_stream://%(200,100,480)\nhangup" },
        { "RefusalHangupCause", o => o.RefusalHangupCause = "call_rejected" },
        { "RefusalHangupCause", o => o.RefusalHangupCause = "CALL_REJECTED\r\n" },
        { "RefusalHangupCause", o => o.RefusalHangupCause = "" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Refuses_invalid_settings_with_a_clear_message(string expectedInMessage, Action<SupervisionOptions> change)
    {
        ValidateOptionsResult result = Validate(change);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(expectedInMessage, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(result.Failures!, f => f.Contains('\n') || f.Contains('\r'));
    }

    [Fact]
    public void Binds_from_the_EslSupervision_section()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EslSupervision:SpyPrefix"] = "*70",
            ["EslSupervision:Tenants:PBX.lab:Enabled"] = "true",
            ["EslSupervision:RingGroups:0:Name"] = "support",
            ["EslSupervision:RingGroups:0:Tenant"] = "pbx.lab",
            ["EslSupervision:RingGroups:0:Members:0:Extension"] = "1010",
            ["EslSupervision:RingGroups:0:Members:0:Supervisor"] = "true",
            ["EslSupervision:RingGroups:0:Members:0:AllowedModes:0"] = "Spy",
            ["EslSupervision:PermissionTimeout"] = "00:00:05",
        }).Build();

        var options = new SupervisionOptions();
        configuration.GetSection(SupervisionOptions.SectionName).Bind(options);

        Assert.Equal("*70", options.SpyPrefix);
        Assert.True(options.IsTenantEnabled("pbx.lab"));
        Assert.False(options.IsTenantEnabled("other.lab"));
        Assert.Equal([SupervisionMode.Spy], options.RingGroups[0].Members[0].AllowedModes!);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PermissionTimeout);
        Assert.True(new SupervisionOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_listed_but_disabled_tenant_is_off()
    {
        var options = new SupervisionOptions();
        options.Tenants["pbx.lab"] = new TenantOptions { Enabled = false };

        Assert.False(options.IsTenantEnabled("pbx.lab"));
        Assert.False(options.IsTenantEnabled(null));
    }
}
