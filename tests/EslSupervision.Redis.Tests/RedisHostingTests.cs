using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Redis.Tests;

/// <summary>Under DI: the Redis package turns the controller into a replica; without it, one process keeps working as before.</summary>
public sealed class RedisHostingTests
{
    private static IConfiguration Configuration(bool redis) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["EslSupervision:Connection:Host"] = "127.0.0.1",
        ["EslSupervision:Connection:Password"] = "lab-secret",
        ["EslSupervision:Cluster:Coordination:ReplicaId"] = "replica-7",
        ["EslSupervision:Cluster:Redis:ConnectionString"] = redis ? "127.0.0.1:1" : null,
    }).Build();

    [Fact]
    public async Task With_the_Redis_package_the_controller_coordinates_as_the_configured_replica_and_without_it_it_does_not()
    {
        var replicaServices = new ServiceCollection().AddLogging();
        replicaServices.AddEslSupervision(Configuration(redis: true));
        replicaServices.AddEslSupervisionRedis(Configuration(redis: true));
        await using (ServiceProvider provider = replicaServices.BuildServiceProvider())
        {
            Assert.IsType<RedisSupervisionCoordinator>(provider.GetRequiredService<ISupervisionCoordinator>());
            Assert.Equal("replica-7", provider.GetRequiredService<SupervisionController>().ReplicaId);
        }

        var single = new ServiceCollection().AddLogging();
        single.AddEslSupervision(Configuration(redis: false));
        await using ServiceProvider singleProvider = single.BuildServiceProvider();
        Assert.IsType<InMemorySupervisionCoordinator>(singleProvider.GetRequiredService<ISupervisionCoordinator>());
        Assert.Null(singleProvider.GetRequiredService<SupervisionController>().ReplicaId);
    }

    [Fact]
    public async Task With_the_Redis_package_every_switch_of_a_cluster_coordinates_as_the_configured_replica_and_without_it_none_does()
    {
        static IConfiguration Cluster(bool redis) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EslSupervision:Switches:a:Connection:Host"] = "127.0.0.1",
            ["EslSupervision:Switches:a:Connection:Password"] = "lab-secret",
            ["EslSupervision:Switches:b:Connection:Host"] = "127.0.0.1",
            ["EslSupervision:Switches:b:Connection:Password"] = "lab-secret",
            ["EslSupervision:Cluster:Coordination:ReplicaId"] = "replica-7",
            ["EslSupervision:Cluster:Redis:ConnectionString"] = redis ? "127.0.0.1:1" : null,
        }).Build();

        var replicaServices = new ServiceCollection().AddLogging();
        replicaServices.AddEslSupervision(Cluster(redis: true));
        replicaServices.AddEslSupervisionRedis(Cluster(redis: true));
        await using (ServiceProvider provider = replicaServices.BuildServiceProvider())
        {
            SupervisionCluster cluster = provider.GetRequiredService<SupervisionCluster>();
            Assert.Equal("replica-7", cluster.ReplicaId);
            Assert.All(cluster.Switches, s => Assert.Equal("replica-7", cluster.GetController(s).ReplicaId));
        }

        var single = new ServiceCollection().AddLogging();
        single.AddEslSupervision(Cluster(redis: false));
        await using ServiceProvider singleProvider = single.BuildServiceProvider();
        SupervisionCluster alone = singleProvider.GetRequiredService<SupervisionCluster>();
        Assert.Null(alone.ReplicaId);
        Assert.All(alone.Switches, s => Assert.Null(alone.GetController(s).ReplicaId));
    }
}
