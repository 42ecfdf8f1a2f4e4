using EslSupervision.Cluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EslSupervision.Tests.Cluster;

public class SupervisionTokenOptionsTests
{
    private static ValidateOptionsResult Validate(SupervisionTokenOptions options) => new SupervisionTokenOptionsValidator().Validate(null, options);

    [Fact]
    public void The_defaults_need_a_key_and_nothing_else()
    {
        var options = new SupervisionTokenOptions();

        ValidateOptionsResult result = Validate(options);

        Assert.True(result.Failed);
        Assert.Single(result.Failures!);
        Assert.Contains("TokenKey is required", result.FailureMessage, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(10), options.TokenLifetime);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ClockSkew);
        Assert.True(Validate(TokenKit.NewOptions()).Succeeded);
    }

    public static TheoryData<string, Action<SupervisionTokenOptions>> BadSettings() => new()
    {
        { "31-byte key", o => o.TokenKey = Convert.ToBase64String(new byte[31]) },
        { "not base64", o => o.TokenKey = "this is not base64!!" },
        { "key id with space", o => o.TokenKeyId = "k 1" },
        { "key id too long", o => o.TokenKeyId = new string('k', 17) },
        { "key id with ${", o => o.TokenKeyId = "${k}" },
        { "previous key reuses the current id", o => o.PreviousTokenKeys["K1"] = TokenKit.KeyB },
        { "previous key too short", o => o.PreviousTokenKeys["k0"] = Convert.ToBase64String(new byte[8]) },
        { "previous key id with LF", o => o.PreviousTokenKeys["k\n0"] = TokenKit.KeyB },
        { "zero lifetime", o => o.TokenLifetime = TimeSpan.Zero },
        { "lifetime over 5 minutes", o => o.TokenLifetime = TimeSpan.FromMinutes(6) },
        { "negative skew", o => o.ClockSkew = TimeSpan.FromSeconds(-1) },
        { "skew over 30 s", o => o.ClockSkew = TimeSpan.FromSeconds(31) },
        { "zero store timeout", o => o.StoreTimeout = TimeSpan.Zero },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Bad_settings_fail_validation_without_showing_any_key(string why, Action<SupervisionTokenOptions> spoil)
    {
        SupervisionTokenOptions options = TokenKit.NewOptions();
        options.PreviousTokenKeys["old"] = TokenKit.KeyB;
        spoil(options);

        ValidateOptionsResult result = Validate(options);

        Assert.True(result.Failed, why);
        Assert.DoesNotContain(TokenKit.KeyA, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenKit.KeyB, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(options.TokenKey!, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_factory_refuses_invalid_settings_with_an_options_error()
    {
        var options = new SupervisionTokenOptions { TokenKey = "c2hvcnQ=" };

        var error = Assert.Throws<OptionsValidationException>(() => SupervisionTokenFactory.CreateIssuer(options));
        Assert.DoesNotContain("c2hvcnQ=", error.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => SupervisionTokenFactory.CreateValidator(options, new InMemorySupervisionTokenStore()));
    }

    [Fact]
    public void ToString_names_key_ids_but_never_keys()
    {
        SupervisionTokenOptions options = TokenKit.NewOptions();
        options.PreviousTokenKeys["k0"] = TokenKit.KeyB;

        string text = options.ToString();

        Assert.Contains("k1", text, StringComparison.Ordinal);
        Assert.Contains("k0", text, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenKit.KeyA, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenKit.KeyB, text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_settings_bind_from_EslSupervision_Cluster()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EslSupervision:Cluster:TokenKey"] = TokenKit.KeyB,
            ["EslSupervision:Cluster:TokenKeyId"] = "k2",
            ["EslSupervision:Cluster:PreviousTokenKeys:k1"] = TokenKit.KeyA,
            ["EslSupervision:Cluster:TokenLifetime"] = "00:00:15",
            ["EslSupervision:Cluster:ClockSkew"] = "00:00:01",
        }).Build();

        SupervisionTokenOptions? options = configuration.GetSection(SupervisionOptions.SectionName).GetSection(SupervisionTokenOptions.SectionName).Get<SupervisionTokenOptions>();

        Assert.NotNull(options);
        Assert.True(Validate(options).Succeeded, Validate(options).FailureMessage);
        Assert.Equal("k2", options.TokenKeyId);
        Assert.Equal(TokenKit.KeyA, options.PreviousTokenKeys["k1"]);
        Assert.Equal(TimeSpan.FromSeconds(15), options.TokenLifetime);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ClockSkew);
        Assert.Equal(TimeSpan.FromSeconds(1), options.StoreTimeout);
    }
}
