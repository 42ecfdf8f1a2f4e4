using System.Diagnostics.Metrics;
using EslSupervision;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Hosting;
using EslSupervision.Permissions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers call supervision (<see cref="SupervisionController"/> and its collaborators) with a Generic Host.</summary>
/// <remarks>
/// <para>
/// Every service is registered with <c>TryAdd*</c>, so a registration of your own wins whether it comes before or
/// after <c>AddEslSupervision</c>. Replacing the permission model is one line:
/// <code>services.AddSingleton&lt;ISupervisionPermissionProvider, MyDirectoryProvider&gt;();</code>
/// The same holds for <see cref="ITenantPolicy"/> (supervision on/off per tenant, default from
/// <see cref="SupervisionOptions.Tenants"/>), <see cref="IAgentLegRule"/> (which leg is an agent's own, default
/// <see cref="DefaultAgentLegRule"/>: for a PBX whose agent legs are not <c>user/EXT@DOMAIN</c> bridges),
/// <see cref="ICallRegistry"/>, the connection
/// (<see cref="IEslInboundConnection"/>, default <see cref="EslInboundClient"/>; <see cref="IEslConnection"/> resolves
/// to it) and <see cref="TimeProvider"/>. Durable audit: register any
/// number of <see cref="ISupervisionAuditSink"/> (<c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;ISupervisionAuditSink, MySink&gt;())</c>).
/// </para>
/// <para>
/// All options are validated when the host starts (<c>ValidateOnStart</c>): there is no default password, and
/// a missing one stops the host with an <see cref="OptionsValidationException"/> naming
/// <see cref="EslClientOptions"/>. The singletons that hold connections are <see cref="IAsyncDisposable"/> and
/// <see cref="IDisposable"/>: dispose the host or provider asynchronously where you can; a synchronous
/// <c>Dispose()</c> of the provider works too and blocks until they are closed.
/// </para>
/// <para>Public because it is how supervision is added to a host.</para>
/// </remarks>
public static class EslSupervisionServiceCollectionExtensions
{
    /// <summary>
    /// Adds call supervision bound to configuration: section <c>EslSupervision</c> to <see cref="SupervisionOptions"/>
    /// and <see cref="EslSupervisionHostOptions"/> (<c>Mode</c>), <c>EslSupervision:Connection</c> to
    /// <see cref="EslClientOptions"/> and <c>EslSupervision:Outbound</c> to <see cref="EslOutboundListenerOptions"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration root (the one holding the <c>EslSupervision</c> section).</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddEslSupervision(builder.Configuration);
    /// // appsettings.json: { "EslSupervision": { "Connection": { "Host": "10.0.0.5" }, "Tenants": { ... }, "RingGroups": [ ... ] } }
    /// // secret:  EslSupervision__Connection__Password=...
    /// </code>
    /// </example>
    public static IServiceCollection AddEslSupervision(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection section = configuration.GetSection(SupervisionOptions.SectionName);
        services.AddOptions<SupervisionCoordinationOptions>().Bind(section.GetSection(SupervisionCoordinationOptions.SectionName));
        AddCoordinationDefaults(services);
        IConfigurationSection switches = section.GetSection(EslSupervisionSwitchOptions.SwitchesSectionName);
        string[] switchNames = [.. switches.GetChildren().Select(c => c.Key)];
        if (switchNames.Length > 0)
        {
            return services.AddEslSupervisionCluster(section, switches, switchNames);
        }

        services.AddOptions<SupervisionOptions>().Bind(section);
        services.AddOptions<EslSupervisionHostOptions>().Bind(section);
        services.AddOptions<EslClientOptions>().Bind(section.GetSection(EslSupervisionHostOptions.ConnectionSectionName));
        services.AddOptions<EslOutboundListenerOptions>().Bind(section.GetSection(EslSupervisionHostOptions.OutboundSectionName));
        return services.AddEslSupervisionCore();
    }

    /// <summary>Adds call supervision configured in code (inbound mode unless <see cref="EslSupervisionHostOptions"/> is configured too).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configureSupervision">Sets tenants, ring groups, service codes.</param>
    /// <param name="configureConnection">Sets the switch's address and the Event Socket password.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddEslSupervision(this IServiceCollection services, Action<SupervisionOptions> configureSupervision, Action<EslClientOptions> configureConnection)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureSupervision);
        ArgumentNullException.ThrowIfNull(configureConnection);
        services.AddOptions<SupervisionOptions>().Configure(configureSupervision);
        services.AddOptions<EslClientOptions>().Configure(configureConnection);
        return services.AddEslSupervisionCore();
    }

    /// <summary>Replica coordination: in memory for one controller process; EslSupervision.Redis replaces it for replicas.</summary>
    private static void AddCoordinationDefaults(IServiceCollection services)
    {
        services.AddOptions<SupervisionCoordinationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SupervisionCoordinationOptions>, SupervisionCoordinationOptionsValidator>());
        services.TryAddSingleton<ISupervisionCoordinator>(sp => new InMemorySupervisionCoordinator(sp.GetRequiredService<TimeProvider>()));
    }

    private static IServiceCollection AddEslSupervisionCore(this IServiceCollection services)
    {
        AddCoordinationDefaults(services);
        services.AddOptions<SupervisionOptions>().ValidateOnStart();
        services.AddOptions<EslClientOptions>().ValidateOnStart();
        services.AddOptions<EslOutboundListenerOptions>().ValidateOnStart();
        services.AddOptions<EslSupervisionHostOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SupervisionOptions>, SupervisionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EslClientOptions>, EslClientOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EslOutboundListenerOptions>, EslOutboundListenerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EslSupervisionHostOptions>, EslSupervisionHostOptionsValidator>());
        services.AddSupervisionDecisions();
        services.TryAddSingleton(sp => new CallRegistry(
            sp.GetRequiredService<IAgentLegRule>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<CallRegistry>>()));
        services.TryAddSingleton<ICallRegistry>(sp => sp.GetRequiredService<CallRegistry>());
        services.TryAddSingleton<ISupervisionAuthorizer>(sp => new SupervisionAuthorizer(
            sp.GetRequiredService<ISupervisionPermissionProvider>(),
            sp.GetRequiredService<ICallRegistry>(),
            sp.GetRequiredService<SupervisionSettings>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<SupervisionAuthorizer>>(),
            sp.GetRequiredService<ITenantPolicy>()));
        services.TryAddSingleton(sp => new EslInboundClient(
            sp.GetRequiredService<IOptions<EslClientOptions>>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IMeterFactory>()));
        // Replacing the connection means registering an IEslInboundConnection; IEslConnection follows it.
        services.TryAddSingleton<IEslInboundConnection>(sp => sp.GetRequiredService<EslInboundClient>());
        services.TryAddSingleton<IEslConnection>(sp => sp.GetRequiredService<IEslInboundConnection>());
        services.TryAddSingleton(sp => WithCoordination(sp, new SupervisionController(
            sp.GetRequiredService<IEslConnection>(),
            sp.GetRequiredService<ICallRegistry>(),
            sp.GetRequiredService<ISupervisionAuthorizer>(),
            sp.GetRequiredService<SupervisionSettings>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<IMeterFactory>(),
            sp.GetServices<ISupervisionAuditSink>())));
        services.TryAddSingleton<ISupervisionOperations>(sp => sp.GetRequiredService<SupervisionController>());
        services.TryAddSingleton(sp => new SupervisionHostedService(
            sp.GetRequiredService<IEslInboundConnection>(),
            sp.GetRequiredService<SupervisionController>(),
            sp.GetRequiredService<IOptions<EslSupervisionHostOptions>>(),
            sp.GetRequiredService<IOptions<EslClientOptions>>(),
            sp.GetRequiredService<IOptions<EslOutboundListenerOptions>>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SupervisionHostedService>(sp => sp.GetRequiredService<SupervisionHostedService>()));
        return services;
    }

    /// <summary>
    /// Several switches (<c>EslSupervision:Switches:{name}</c>): per switch a connection, registry and controller in
    /// one <see cref="SupervisionCluster"/>, whose registry view is the <see cref="ICallRegistry"/> of the container.
    /// The decisions (provider, tenant policy, settings) are shared by every switch.
    /// </summary>
    private static IServiceCollection AddEslSupervisionCluster(this IServiceCollection services, IConfigurationSection section, IConfigurationSection switches, string[] switchNames)
    {
        var topology = new ClusterTopology
        {
            SwitchNames = switchNames,
            HasFlatConnection = section.GetSection(EslSupervisionHostOptions.ConnectionSectionName).GetChildren().Any(),
        };
        services.AddOptions<SupervisionOptions>().Bind(section).ValidateOnStart();
        services.AddOptions<EslSupervisionHostOptions>().Bind(section).ValidateOnStart();
        services.AddOptions<EslOutboundListenerOptions>().Bind(section.GetSection(EslSupervisionHostOptions.OutboundSectionName));
        services.AddOptions<ClusterTopology>()
            .Configure<IOptions<EslSupervisionHostOptions>, IOptionsMonitor<EslSupervisionSwitchOptions>, IOptions<SupervisionTokenOptions>>((t, host, switchOptions, tokens) =>
            {
                t.SwitchNames = topology.SwitchNames;
                t.HasFlatConnection = topology.HasFlatConnection;
                t.Mode = host.Value.Mode;
                t.AnyDialString = topology.SwitchNames.Any(n => switchOptions.Get(n).DialString is not null);
                t.HasTokenKey = !string.IsNullOrEmpty(tokens.Value.TokenKey);
            })
            .ValidateOnStart();
        foreach (string name in switchNames)
        {
            IConfigurationSection one = switches.GetSection(name);
            services.AddOptions<EslClientOptions>(name).Bind(one.GetSection(EslSupervisionHostOptions.ConnectionSectionName)).ValidateOnStart();
            services.AddOptions<EslSupervisionSwitchOptions>(name).Bind(one).ValidateOnStart();
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SupervisionOptions>, SupervisionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EslSupervisionHostOptions>, EslSupervisionHostOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterTopology>, ClusterTopologyValidator>());
        services.AddOptions<SupervisionTokenOptions>().Bind(section.GetSection(SupervisionTokenOptions.SectionName));
        if (!string.IsNullOrEmpty(section.GetSection(SupervisionTokenOptions.SectionName)[nameof(SupervisionTokenOptions.TokenKey)]))
        {
            // Only checked when a key is configured; without one, the topology check says whether one was needed.
            services.AddOptions<SupervisionTokenOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SupervisionTokenOptions>, SupervisionTokenOptionsValidator>());
        }

        // One single-use store per process (replace it to share one across replicas).
        services.TryAddSingleton<ISupervisionTokenStore>(sp => new InMemorySupervisionTokenStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRelayTokens>(sp =>
        {
            SupervisionTokenOptions tokenOptions = sp.GetRequiredService<IOptions<SupervisionTokenOptions>>().Value;
            if (string.IsNullOrEmpty(tokenOptions.TokenKey))
            {
                return NoRelayTokens.Instance;
            }

            TimeProvider time = sp.GetRequiredService<TimeProvider>();
            ILogger logger = (ILogger?)sp.GetService<ILoggerFactory>()?.CreateLogger<SupervisionCluster>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
            return new RelayTokens(
                SupervisionTokenFactory.CreateIssuer(tokenOptions, time, logger),
                SupervisionTokenFactory.CreateValidator(tokenOptions, sp.GetRequiredService<ISupervisionTokenStore>(), time, logger));
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EslSupervisionSwitchOptions>, EslSupervisionSwitchOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EslClientOptions>>(new SwitchConnectionValidator(topology)));
        services.AddSupervisionDecisions();
        services.TryAddSingleton(sp =>
        {
            TimeProvider time = sp.GetRequiredService<TimeProvider>();
            ILoggerFactory? loggerFactory = sp.GetService<ILoggerFactory>();
            IMeterFactory? meterFactory = sp.GetService<IMeterFactory>();
            IOptionsMonitor<EslClientOptions> connections = sp.GetRequiredService<IOptionsMonitor<EslClientOptions>>();
            IOptionsMonitor<EslSupervisionSwitchOptions> switchOptions = sp.GetRequiredService<IOptionsMonitor<EslSupervisionSwitchOptions>>();
            SupervisionCluster.SwitchEndpoint[] endpoints =
            [
                .. switchNames.Select(name => new SupervisionCluster.SwitchEndpoint(
                    name,
                    new EslInboundClient(connections.Get(name), loggerFactory, time, meterFactory),
                    switchOptions.Get(name).DialString)),
            ];
            SupervisionCluster cluster = SupervisionCluster.Create(
                endpoints,
                sp.GetRequiredService<ISupervisionPermissionProvider>(),
                sp.GetRequiredService<SupervisionSettings>(),
                sp.GetRequiredService<IRelayTokens>() is NoRelayTokens ? null : sp.GetRequiredService<IRelayTokens>(),
                sp.GetRequiredService<ITenantPolicy>(),
                time,
                loggerFactory,
                meterFactory,
                sp.GetServices<ISupervisionAuditSink>(),
                sp.GetRequiredService<IAgentLegRule>(),
                ownsConnections: true);
            return WithCoordination(sp, cluster);
        });
        services.TryAddSingleton<ICallRegistry>(sp => sp.GetRequiredService<SupervisionCluster>().Registry);
        services.TryAddSingleton<ISupervisionOperations>(sp => sp.GetRequiredService<SupervisionCluster>());
        services.TryAddSingleton(sp => new ClusterHostedService(
            sp.GetRequiredService<SupervisionCluster>(),
            sp.GetRequiredService<IOptions<EslSupervisionHostOptions>>(),
            sp.GetRequiredService<IOptionsMonitor<EslClientOptions>>(),
            sp.GetRequiredService<IOptions<EslOutboundListenerOptions>>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClusterHostedService>(sp => sp.GetRequiredService<ClusterHostedService>()));
        return services;
    }

    /// <summary>What decides, the same with one switch or several: clock, agent-leg rule, settings, permission provider, tenant policy.</summary>
    private static IServiceCollection AddSupervisionDecisions(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAgentLegRule>(DefaultAgentLegRule.Instance);
        // One holder of the last valid settings, shared, so an invalid reload never reaches a decision.
        services.TryAddSingleton(sp => new SupervisionSettings(
            sp.GetRequiredService<IOptionsMonitor<SupervisionOptions>>(),
            sp.GetRequiredService<IOptionsFactory<SupervisionOptions>>(),
            sp.GetServices<IOptionsChangeTokenSource<SupervisionOptions>>(),
            sp.GetService<ILogger<SupervisionSettings>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ISupervisionPermissionProvider>(sp => new RingGroupPermissionProvider(sp.GetRequiredService<SupervisionSettings>()));
        services.TryAddSingleton<ITenantPolicy>(sp => new SettingsTenantPolicy(sp.GetRequiredService<SupervisionSettings>()));
        return services;
    }

    /// <summary>
    /// Makes the controller one of several replicas when a shared coordinator is registered (for example by
    /// <c>AddEslSupervisionRedis</c>). The in-memory default coordinates nothing across processes, so one controller
    /// process keeps working exactly as before, without a lease per call.
    /// </summary>
    private static SupervisionController WithCoordination(IServiceProvider services, SupervisionController controller)
    {
        if (services.GetService<ISupervisionCoordinator>() is { } coordinator and not InMemorySupervisionCoordinator)
        {
            controller.UseCoordination(coordinator, services.GetRequiredService<IOptions<SupervisionCoordinationOptions>>().Value);
        }

        return controller;
    }

    /// <summary>The same for a cluster: every switch's controller of this process is one replica, under one replica id.</summary>
    private static SupervisionCluster WithCoordination(IServiceProvider services, SupervisionCluster cluster)
    {
        if (services.GetService<ISupervisionCoordinator>() is { } coordinator and not InMemorySupervisionCoordinator)
        {
            cluster.UseCoordination(coordinator, services.GetRequiredService<IOptions<SupervisionCoordinationOptions>>().Value);
        }

        return cluster;
    }
}
