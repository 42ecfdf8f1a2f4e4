using EslSupervision.Cluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EslSupervision.Redis.Tests;

/// <summary>Settings: checked at start, with messages and descriptions that never show the connection string.</summary>
public sealed class RedisCoordinationOptionsTests
{
    private const string Secret = "s3cr3t-Pa55word";

    [Fact]
    public void Valid_settings_pass_and_each_bad_one_is_named_without_showing_the_password()
    {
        var validator = new RedisCoordinationOptionsValidator();
        Assert.True(validator.Validate(null, new RedisCoordinationOptions { ConnectionString = $"127.0.0.1:6379,password={Secret}" }).Succeeded);

        ValidateOptionsResult missing = validator.Validate(null, new RedisCoordinationOptions());
        Assert.Contains("ConnectionString is required", missing.FailureMessage, StringComparison.Ordinal);

        ValidateOptionsResult bad = validator.Validate(null, new RedisCoordinationOptions
        {
            ConnectionString = $"password={Secret}",
            KeyPrefix = "a b}{",
            OperationTimeout = TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromMinutes(5),
        });
        Assert.True(bad.Failed);
        Assert.Equal(4, bad.Failures!.Count());
        Assert.DoesNotContain(Secret, bad.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_description_and_a_refused_connection_never_show_the_password()
    {
        var options = new RedisCoordinationOptions { ConnectionString = $"127.0.0.1:6379,password={Secret}", KeyPrefix = "a b" };

        Assert.DoesNotContain(Secret, options.ToString(), StringComparison.Ordinal);
        ArgumentException refused = Assert.Throws<ArgumentException>(() => new RedisCoordinationConnection(options));
        Assert.DoesNotContain(Secret, refused.Message, StringComparison.Ordinal);
        Assert.Contains("KeyPrefix", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Coordination_settings_refuse_a_renew_interval_that_would_lose_the_lease_after_one_miss()
    {
        var validator = new SupervisionCoordinationOptionsValidator();
        Assert.True(validator.Validate(null, new SupervisionCoordinationOptions()).Succeeded);

        ValidateOptionsResult bad = validator.Validate(null, new SupervisionCoordinationOptions
        {
            ReplicaId = "replica one",
            LeaseTime = TimeSpan.FromSeconds(4),
            RenewInterval = TimeSpan.FromSeconds(3),
        });
        Assert.Equal(2, bad.Failures!.Count());

        string generated = new SupervisionCoordinationOptions().ResolveReplicaId();
        Assert.True(CoordinationArguments.IsOwner(generated), generated);
        Assert.NotEqual(generated, new SupervisionCoordinationOptions().ResolveReplicaId());
    }

    [Fact]
    public async Task Under_DI_the_Redis_coordinator_and_token_store_replace_the_in_memory_defaults_and_bad_settings_stop_the_host_at_start()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ISupervisionCoordinator>(new InMemorySupervisionCoordinator());
        services.AddSingleton<ISupervisionTokenStore>(new InMemorySupervisionTokenStore());
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EslSupervision:Cluster:Redis:ConnectionString"] = "127.0.0.1:1",
            ["EslSupervision:Cluster:Redis:KeyPrefix"] = "di-test",
        }).Build();
        services.AddEslSupervisionRedis(configuration);
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            Assert.IsType<RedisSupervisionCoordinator>(provider.GetRequiredService<ISupervisionCoordinator>());
            Assert.IsType<RedisSupervisionTokenStore>(provider.GetRequiredService<ISupervisionTokenStore>());
        }

        var badServices = new ServiceCollection();
        badServices.AddEslSupervisionRedis(new ConfigurationBuilder().Build());
        await using ServiceProvider bad = badServices.BuildServiceProvider();
        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptions<RedisCoordinationOptions>>().Value);
        Assert.Contains("ConnectionString is required", error.Message, StringComparison.Ordinal);
    }
}
