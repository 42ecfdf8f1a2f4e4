using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Control;
using EslSupervision.Hosting;
using EslSupervision.Testing;
using EslSupervision.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EslSupervision.Tests.Cluster;

/// <summary>Several switches from configuration (<c>EslSupervision:Switches:{name}</c>), validated at start, hosted side by side.</summary>
public class ClusterHostingTests
{
    /// <summary>The lab's ring groups and tenants, and one entry per switch instead of the flat <c>Connection</c>.</summary>
    private static Dictionary<string, string?> ClusterSettings(params (string Name, int Port)[] switches)
    {
        Dictionary<string, string?> settings = LabHost.LabSettings(1);
        foreach (string key in settings.Keys.Where(k => k.StartsWith("EslSupervision:Connection:", StringComparison.Ordinal)).ToList())
        {
            settings.Remove(key);
        }

        settings["EslSupervision:Cluster:TokenKey"] = TokenKit.KeyA;
        foreach ((string name, int port) in switches)
        {
            settings[$"EslSupervision:Switches:{name}:Connection:Host"] = "127.0.0.1";
            settings[$"EslSupervision:Switches:{name}:Connection:Port"] = port.ToString(CultureInfo.InvariantCulture);
            settings[$"EslSupervision:Switches:{name}:Connection:Password"] = LabHost.Password;
            settings[$"EslSupervision:Switches:{name}:Connection:ReconnectMinDelay"] = "00:00:00.020";
            settings[$"EslSupervision:Switches:{name}:Connection:ReconnectMaxDelay"] = "00:00:00.200";
            settings[$"EslSupervision:Switches:{name}:DialString"] = $"sofia/gateway/to-{name}/{{destination}}";
        }

        return settings;
    }

    private static async Task<FakeFreeSwitch> LabSwitchAsync()
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = LabHost.Password });
        foreach (var (ext, name) in new[] { ("1004", "Olivia"), ("1005", "Sam"), ("1010", "Benjamin") })
        {
            fs.AddUser(new FakeUser(ext, "pbx.lab", name));
        }

        return fs;
    }

    [Fact]
    public async Task Two_switches_from_configuration_are_supervised_side_by_side_and_one_registry_spans_them()
    {
        await using FakeFreeSwitch a = await LabSwitchAsync();
        await using FakeFreeSwitch b = await LabSwitchAsync();
        using IHost host = LabHost.BuildHost(ClusterSettings(("a", a.Port), ("b", b.Port)));
        await host.StartAsync().WaitAsync(LabHost.Patience);
        try
        {
            SupervisionCluster cluster = host.Services.GetRequiredService<SupervisionCluster>();
            Assert.Equal(["a", "b"], cluster.Switches);
            await host.Services.GetRequiredService<ClusterHostedService>().SupervisionStarted.WaitAsync(LabHost.Patience);

            // The container's registry (what the dashboard reads) is the cluster's: calls of both switches.
            ICallRegistry registry = host.Services.GetRequiredService<ICallRegistry>();
            Assert.Same(cluster.Registry, registry);
            Assert.Same(cluster, host.Services.GetRequiredService<ISupervisionOperations>());
            Task bothBridged = registry.Changes.Where(_ => registry.FindActiveAgentLeg("pbx.lab", "1004") is not null && registry.FindActiveAgentLeg("pbx.lab", "1005") is not null).FirstAsync().ToTask();
            FakeCall olivia = a.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");
            FakeCall sam = b.ClientCallsAgent("4915550002", "Client", "5551000", "1005", "pbx.lab");
            await bothBridged.WaitAsync(LabHost.Patience);

            // Each switch supervises its own calls with the shared ring groups.
            Task<SupervisionAuditEvent> started = cluster.Audit.FirstAsync(e => e.Kind == SupervisionAuditKind.Started).ToTask().WaitAsync(LabHost.Patience);
            FakeChannel benjamin = b.DialParked("1010", "pbx.lab", "*921005");
            Assert.Equal(("b", "b"), ((await started).SupervisorSwitch, (await started).AgentSwitch));
            await b.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.CurrentApplication == "eavesdrop").WaitAsync(LabHost.Patience);
            Assert.True(b.Hears(sam.ALeg.Uuid, benjamin.Uuid));
            Assert.False(a.Hears(olivia.ALeg.Uuid, benjamin.Uuid));

            // Across the trunk with the configured key and dial strings: Benjamin's phone is on b, Olivia's call on a.
            a.LinkPeer(b, "to-b", returnGatewayName: "to-a");
            Task<SupervisionAuditEvent> crossStarted = cluster.Audit.FirstAsync(e => e.Kind == SupervisionAuditKind.Started && e.AgentSwitch == "a").ToTask().WaitAsync(LabHost.Patience);
            FakeChannel acrossFromB = b.DialParked("1010", "pbx.lab", "*911004");
            SupervisionAuditEvent across = await crossStarted;
            Assert.Equal((acrossFromB.Uuid, "b"), (across.SupervisorLegId, across.SupervisorSwitch));
            await a.WaitForChannelAsync(c => c.TrunkPeerUuid is not null && c.CurrentApplication == "eavesdrop").WaitAsync(LabHost.Patience);
            Assert.True(a.Hears(olivia.BLeg.Uuid, acrossFromB.Uuid));
            Assert.False(a.Hears(olivia.ALeg.Uuid, acrossFromB.Uuid));
            Assert.Equal(2, cluster.ActiveSupervisions.Count);

            HealthReport healthy = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            Assert.Equal(HealthStatus.Healthy, healthy.Status);
            Assert.Equal(2, healthy.Entries["esl-supervision"].Data["activeSupervisions"]);

            // One switch down: the cluster is degraded, not down, and says which switch.
            Task reconnecting = host.Services.GetRequiredService<SupervisionCluster>().ConnectionOf("a").StateChanges.FirstAsync(s => s == EventSocket.EslConnectionState.Reconnecting).ToTask();
            a.Options.Password = "a-is-down";
            a.Connections.Single().Abort();
            await reconnecting.WaitAsync(LabHost.Patience);
            HealthReport degraded = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            Assert.Equal(HealthStatus.Degraded, degraded.Status);
            Assert.Contains("a: ", degraded.Entries["esl-supervision"].Description, StringComparison.Ordinal);
            Assert.Equal(1, degraded.Entries["esl-supervision"].Data["switchesConnected"]);
        }
        finally
        {
            await host.StopAsync().WaitAsync(LabHost.Patience);
        }
    }

    [Fact]
    public void One_switch_keeps_the_single_switch_registrations()
    {
        using IHost host = LabHost.BuildHost(LabHost.LabSettings(8021));
        Assert.Null(host.Services.GetService<SupervisionCluster>());
        Assert.IsType<CallRegistry>(host.Services.GetRequiredService<ICallRegistry>());
        Assert.Same(host.Services.GetRequiredService<SupervisionController>(), host.Services.GetRequiredService<ISupervisionOperations>());
    }

    public static TheoryData<string, string?, string> BadSettings() => new()
    {
        { "EslSupervision:Connection:Host", "127.0.0.1", "Connection and EslSupervision:Switches are both set" },
        { "EslSupervision:Switches:b:DialString", "sofia/gateway/to-b/sup", "Switches:b:DialString has no {destination} placeholder" },
        { "EslSupervision:Switches:b:DialString", "sofia/gateway/to-b/{destination}\r\nbgapi", "Switches:b:DialString has characters that are not allowed" },
        { "EslSupervision:Switches:b:DialString", "{absolute_codec_string=PCMU}sofia/gateway/to-b/{destination}", "Switches:b:DialString has characters that are not allowed" },
        { "EslSupervision:Switches:b:DialString", "sofia/gateway/to-b/{destination},user/1004@pbx.lab", "Switches:b:DialString has characters that are not allowed" },
        { "EslSupervision:Switches:b:DialString", "sofia/gateway/to-b/{destination}:_:user/1004", "Switches:b:DialString has characters that are not allowed" },
        { "EslSupervision:Switches:b:DialString", "sofia/gateway/{destination}/{destination}", "more than one {destination}" },
        { "EslSupervision:Switches:b:Connection:Password", null, "Switches:b:Connection: " },
        { "EslSupervision:Cluster:TokenKey", null, "EslSupervision:Cluster:TokenKey is required when a switch has a DialString" },
        { "EslSupervision:Cluster:TokenKey", "c2hvcnQ=", "TokenKey" },
        { "EslSupervision:Mode", "Outbound", "Mode must be Inbound with several switches" },
        { "EslSupervision:Switches:b c:Connection:Host", "127.0.0.1", "Switches:b c: a switch name must be" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Bad_cluster_settings_stop_the_host_at_start_with_a_message_naming_the_key(string key, string? value, string expected)
    {
        Dictionary<string, string?> settings = ClusterSettings(("a", 1), ("b", 2));
        settings[key] = value;
        using IHost host = LabHost.BuildHost(settings);

        // Several invalid option sets at once come as an AggregateException of OptionsValidationExceptions.
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Exception[] failures = error is AggregateException all ? [.. all.InnerExceptions] : [error];
        Assert.All(failures, f => Assert.IsType<OptionsValidationException>(f));
        Assert.Contains(failures, f => f.Message.Contains(expected, StringComparison.Ordinal));
    }
}
