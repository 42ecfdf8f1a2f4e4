using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Hosting;
using EslSupervision.Permissions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EslSupervision.Tests.Hosting;

/// <summary>What <c>AddEslSupervision</c> binds, validates and registers, without a switch.</summary>
public class HostingOptionsTests
{
    [Fact]
    public async Task Configuration_binds_every_section()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(LabHost.LabSettings(8022, "from-config"))
        {
            ["EslSupervision:SpyPrefix"] = "*80",
            ["EslSupervision:PermissionTimeout"] = "00:00:03",
            ["EslSupervision:Mode"] = "Outbound",
            ["EslSupervision:Connection:Host"] = "pbx.example.net",
            ["EslSupervision:Connection:ConnectTimeout"] = "00:00:04",
            ["EslSupervision:Outbound:Address"] = "0.0.0.0",
            ["EslSupervision:Outbound:Port"] = "9090",
        }).Build();
        var services = new ServiceCollection();
        services.AddEslSupervision(configuration);
        await using ServiceProvider provider = services.BuildServiceProvider();

        SupervisionOptions supervision = provider.GetRequiredService<IOptions<SupervisionOptions>>().Value;
        Assert.Equal("*80", supervision.SpyPrefix);
        Assert.Equal("*91", supervision.WhisperPrefix);
        Assert.Equal(TimeSpan.FromSeconds(3), supervision.PermissionTimeout);
        Assert.True(supervision.IsTenantEnabled("PBX.LAB"));
        RingGroupOptions group = Assert.Single(supervision.RingGroups);
        Assert.Equal(["1004", "1005", "1010"], group.Members.Select(m => m.Extension));
        Assert.True(group.Members[2].Supervisor);

        EslClientOptions connection = provider.GetRequiredService<IOptions<EslClientOptions>>().Value;
        Assert.Equal("pbx.example.net", connection.Host);
        Assert.Equal(8022, connection.Port);
        Assert.Equal("from-config", connection.Password);
        Assert.Equal(TimeSpan.FromSeconds(4), connection.ConnectTimeout);

        EslOutboundListenerOptions outbound = provider.GetRequiredService<IOptions<EslOutboundListenerOptions>>().Value;
        Assert.Equal("0.0.0.0", outbound.Address);
        Assert.Equal(9090, outbound.Port);
        Assert.Equal(EslSupervisionHostMode.Outbound, provider.GetRequiredService<IOptions<EslSupervisionHostOptions>>().Value.Mode);
    }

    [Fact]
    public async Task Host_start_fails_with_a_clear_message_when_the_password_is_missing()
    {
        using IHost host = LabHost.BuildHost(LabHost.LabSettings(1, password: null));

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(typeof(EslClientOptions), error.OptionsType);
        Assert.Contains("Password is required: there is no default password.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_validation_failure_names_the_setting_but_never_the_password()
    {
        Dictionary<string, string?> settings = LabHost.LabSettings(0, password: "hunter2-not-for-logs");
        using IHost host = LabHost.BuildHost(settings);

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Port must be between 1 and 65535.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_supervision_options_stop_the_host_too()
    {
        Dictionary<string, string?> settings = LabHost.LabSettings(8021);
        settings["EslSupervision:WhisperDigit"] = "0";
        using IHost host = LabHost.BuildHost(settings);

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(typeof(SupervisionOptions), error.OptionsType);
    }

    [Fact]
    public async Task The_code_overload_registers_one_graph_with_forwarding_interfaces()
    {
        var services = new ServiceCollection();
        services.AddEslSupervision(o => o.Tenants["pbx.lab"] = new TenantOptions { Enabled = true }, c => c.Password = "in-code");
        services.AddEslSupervision(o => { }, c => { });
        await using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<EslInboundClient>(), provider.GetRequiredService<IEslConnection>());
        Assert.Same(provider.GetRequiredService<CallRegistry>(), provider.GetRequiredService<ICallRegistry>());
        Assert.IsType<RingGroupPermissionProvider>(provider.GetRequiredService<ISupervisionPermissionProvider>());
        Assert.IsType<DefaultAgentLegRule>(provider.GetRequiredService<IAgentLegRule>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<SupervisionController>());
        IHostedService hosted = Assert.Single(provider.GetServices<IHostedService>());
        Assert.Same(provider.GetRequiredService<SupervisionHostedService>(), hosted);
        Assert.Equal("in-code", provider.GetRequiredService<IOptions<EslClientOptions>>().Value.Password);
        Assert.Single(provider.GetServices<IValidateOptions<EslClientOptions>>());
    }

    public static TheoryData<string> Orders() => ["before", "after"];

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task One_line_replaces_the_permission_provider_in_either_order(string order)
    {
        var services = new ServiceCollection();
        if (order == "before")
        {
            services.AddSingleton<ISupervisionPermissionProvider, DenyEveryone>();
        }

        services.AddEslSupervision(o => { }, c => c.Password = "x");
        if (order == "after")
        {
            services.AddSingleton<ISupervisionPermissionProvider, DenyEveryone>();
        }

        await using ServiceProvider provider = services.BuildServiceProvider();
        Assert.IsType<DenyEveryone>(provider.GetRequiredService<ISupervisionPermissionProvider>());
    }
}

/// <summary>A custom permission provider: nobody may supervise.</summary>
internal sealed class DenyEveryone : ISupervisionPermissionProvider
{
    public const string Detail = "The custom directory says no.";

    public ValueTask<PermissionDecision> AuthorizeAsync(SupervisionRequest request, CancellationToken cancellationToken)
        => ValueTask.FromResult(PermissionDecision.Deny(DenialReason.NotASupervisor, Detail));
}
