using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Reflection;
using EslSupervision;
using EslSupervision.EventSocket;
using EslSupervision.Testing;
using Xunit;

namespace PackageSmoke;

/// <summary>Uses the three packages the way a consumer does: through their public API only.</summary>
public class PackagedApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public void The_assemblies_come_from_the_packed_version()
    {
        string expected = PackageInfo.Version;

        foreach (Assembly assembly in new[] { typeof(EslInboundClient).Assembly, typeof(ServiceCodeParser).Assembly, typeof(FakeFreeSwitch).Assembly })
        {
            string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            Assert.NotNull(informational);
            Assert.StartsWith(expected, informational, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_client_package_talks_to_the_fake_switch_package()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "smoke-secret" }, timeout.Token);
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "smoke-secret" });

        await client.ConnectAsync(timeout.Token);
        EslApiResponse status = await client.ApiAsync("status", cancellationToken: timeout.Token);

        Assert.False(status.IsError, status.Body);
        Assert.StartsWith("UP ", status.Text, StringComparison.Ordinal);
        Assert.Contains("is ready", status.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_refused()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "smoke-secret" }, timeout.Token);
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "wrong", Reconnect = false });

        await Assert.ThrowsAsync<EslAuthenticationException>(() => client.ConnectAsync(timeout.Token));
    }

    [Fact]
    public async Task A_parked_service_code_reaches_the_client_and_parses()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = "smoke-secret" }, timeout.Token);
        await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Port = fs.Port, Password = "smoke-secret" });
        await client.ConnectAsync(timeout.Token);
        await client.SubscribeAsync(["CHANNEL_PARK"], cancellationToken: timeout.Token);
        Task<EslEvent> parked = client.Events.FirstAsync(e => e.EventName == "CHANNEL_PARK").ToTask(timeout.Token);

        fs.DialParked("1010", "pbx.lab", "*911004");
        EslEvent park = await parked;

        ServiceCodeParseResult code = new ServiceCodeParser(new SupervisionOptions()).Parse(park["Caller-Destination-Number"]);
        Assert.True(code.IsSuccess, code.Reason);
        Assert.Equal(SupervisionMode.Whisper, code.Mode);
        Assert.Equal("1004", code.AgentExtension);
        Assert.Equal("1010", park.GetVariable("user_name"));
    }

    [Theory]
    [InlineData("*901004", true)]
    [InlineData("*92999", true)]
    [InlineData("*90", false)]
    [InlineData("*90\u0661\u0660\u0660\u0664", false)]
    [InlineData("*9012345678901", false)]
    public void The_service_code_parser_is_the_strict_one(string dialed, bool accepted)
    {
        var options = new SupervisionOptions();
        options.Tenants["pbx.lab"] = new TenantOptions { Enabled = true };

        Assert.True(new SupervisionOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(accepted, new ServiceCodeParser(options).Parse(dialed).IsSuccess);
        Assert.True(options.IsTenantEnabled("PBX.lab"));
        Assert.False(options.IsTenantEnabled("other.lab"));
    }
}
