using System.Net;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Hosting;
using EslSupervision.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace EslSupervision.Tests.Hosting;

/// <summary>Boot order does not matter: a host started before the switch (or with a wrong password) starts, says why it is not connected, and keeps trying.</summary>
public class StartWithoutSwitchTests
{
    [Fact]
    public async Task A_host_started_before_the_switch_reports_why_and_supervises_once_the_switch_comes_up()
    {
        int port = FreePort();
        Dictionary<string, string?> settings = FastRetry(LabHost.LabSettings(port));
        using IHost host = LabHost.BuildHost(settings);

        await host.StartAsync().WaitAsync(LabHost.Patience);

        HealthReportEntry down = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.StartsWith("Not connected to FreeSWITCH since ", down.Description, StringComparison.Ordinal);
        Assert.Contains("Could not connect to 127.0.0.1:" + port, down.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(LabHost.Password, down.Description, StringComparison.Ordinal);

        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = LabHost.Password, Port = port });
        foreach (var (ext, name) in new[] { ("1004", "Olivia"), ("1005", "Sam"), ("1010", "Benjamin") })
        {
            fs.AddUser(new FakeUser(ext, "pbx.lab", name));
        }

        SupervisionController controller = host.Services.GetRequiredService<SupervisionController>();
        Task<SupervisionAuditEvent> started = controller.Audit.FirstAsync(e => e.Kind == SupervisionAuditKind.Started).ToTask();
        FakeConnection connection = await fs.WaitForConnectionAsync().WaitAsync(LabHost.Patience);
        await connection.WaitForCommandAsync(c => c.Contains("CHANNEL_PARK", StringComparison.Ordinal)).WaitAsync(LabHost.Patience);

        CallRegistry registry = host.Services.GetRequiredService<CallRegistry>();
        Task bridged = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged).ToTask();
        FakeCall call = fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab");
        await bridged.WaitAsync(LabHost.Patience);
        FakeChannel benjamin = fs.DialParked("1010", "pbx.lab", "*901004");

        SupervisionAuditEvent supervision = await started.WaitAsync(LabHost.Patience);
        Assert.Equal(benjamin.Uuid, supervision.SupervisorLegId);
        await fs.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.CurrentApplication == "eavesdrop").WaitAsync(LabHost.Patience);
        Assert.Equal(call.BLeg.Uuid, fs.GetEavesdropTarget(benjamin.Uuid));
        await host.Services.GetRequiredService<SupervisionHostedService>().SupervisionStarted.WaitAsync(LabHost.Patience);
        HealthReportEntry up = await CheckAsync(host);
        Assert.True(up.Status == HealthStatus.Healthy, up.Description);

        await host.StopAsync().WaitAsync(LabHost.Patience);
    }

    [Fact]
    public async Task With_FailFastOnStart_an_unreachable_switch_fails_the_host_start()
    {
        Dictionary<string, string?> settings = LabHost.LabSettings(FreePort());
        settings["EslSupervision:FailFastOnStart"] = "true";
        using IHost host = LabHost.BuildHost(settings);

        await Assert.ThrowsAsync<EslConnectionException>(() => host.StartAsync().WaitAsync(LabHost.Patience));
    }

    [Fact]
    public async Task A_refused_password_keeps_the_host_up_retrying_and_health_says_authentication_refused()
    {
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = LabHost.Password });
        using IHost host = LabHost.BuildHost(FastRetry(LabHost.LabSettings(fs.Port, password: "wrong-password")));

        await host.StartAsync().WaitAsync(LabHost.Patience);

        // It keeps trying: a second and a third connection arrive without anyone restarting anything.
        await fs.WaitForConnectionAsync(3).WaitAsync(LabHost.Patience);
        HealthReportEntry entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("authentication refused", entry.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", entry.Description + string.Join(" ", entry.Data.Values), StringComparison.Ordinal);
        Assert.NotEqual("Connected", entry.Data["state"]);

        await host.StopAsync().WaitAsync(LabHost.Patience);
        Assert.Equal(EslConnectionState.Closed, host.Services.GetRequiredService<EslInboundClient>().State);
    }

    private static Dictionary<string, string?> FastRetry(Dictionary<string, string?> settings)
    {
        settings["EslSupervision:Connection:ReconnectMinDelay"] = "00:00:00.050";
        settings["EslSupervision:Connection:ReconnectMaxDelay"] = "00:00:00.200";
        settings["EslSupervision:Connection:ConnectTimeout"] = "00:00:02";
        return settings;
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host)
        => (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["esl-supervision"];

    /// <summary>A loopback port nothing listens on (bound once by the OS, then released).</summary>
    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
