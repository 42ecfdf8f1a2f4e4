using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Hosting;
using EslSupervision.Permissions;
using EslSupervision.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace EslSupervision.Tests.Hosting;

/// <summary>The hosted service against the fake FreeSWITCH: only <c>AddEslSupervision</c> wires the pieces.</summary>
public class SupervisionHostedServiceTests
{
    [Fact]
    public async Task The_host_runs_the_seed_story_spy_whisper_barge_and_release()
    {
        await using LabHost lab = await LabHost.StartAsync();
        FakeCall call = await lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Zoë Ünal 山田", "5551000", "1004", "pbx.lab"), "1004");
        string client = call.ALeg.Uuid;
        string olivia = call.BLeg.Uuid;

        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        SupervisionAuditEvent started = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == benjamin.Uuid);
        await lab.Switch.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.CurrentApplication == "eavesdrop").WaitAsync(LabHost.Patience);
        Assert.Equal(olivia, started.AgentLegId);
        Assert.Equal(olivia, lab.Switch.GetEavesdropTarget(benjamin.Uuid));
        AssertHearing(lab.Switch, benjamin.Uuid, olivia, client, oliviaHearsHim: false, clientHearsHim: false);

        await lab.Switch.PressDigitAsync(benjamin.Uuid, '1');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Whisper);
        AssertHearing(lab.Switch, benjamin.Uuid, olivia, client, oliviaHearsHim: true, clientHearsHim: false);

        await lab.Switch.PressDigitAsync(benjamin.Uuid, '2');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Barge);
        AssertHearing(lab.Switch, benjamin.Uuid, olivia, client, oliviaHearsHim: true, clientHearsHim: true);

        await lab.Switch.PressDigitAsync(benjamin.Uuid, '0');
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.ModeChanged && e.Mode == SupervisionMode.Spy);
        AssertHearing(lab.Switch, benjamin.Uuid, olivia, client, oliviaHearsHim: false, clientHearsHim: false);

        lab.Switch.Hangup(client);
        SupervisionAuditEvent ended = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Ended && e.SupervisorLegId == benjamin.Uuid);
        Assert.Equal(SupervisionEndReason.AgentCallEnded, ended.EndReason);
        await lab.Switch.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.IsHungUp).WaitAsync(LabHost.Patience);
        Assert.Empty(lab.Controller.ActiveSupervisions);
    }

    [Fact]
    public async Task In_outbound_mode_the_socket_application_reaches_the_controller_through_the_listener()
    {
        await using LabHost lab = await LabHost.StartAsync(extraSettings: new Dictionary<string, string?>
        {
            ["EslSupervision:Mode"] = "Outbound",
            ["EslSupervision:Outbound:Port"] = "0",
        });
        FakeCall call = await lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"), "1004");
        SupervisionHostedService hosted = lab.Services.GetRequiredService<SupervisionHostedService>();
        Assert.NotNull(hosted.OutboundEndPoint);

        (FakeChannel benjamin, _) = await lab.Switch.DialSocketAsync("1010", "pbx.lab", "*911004", hosted.OutboundEndPoint!).WaitAsync(LabHost.Patience);
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == benjamin.Uuid);
        await lab.Switch.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.CurrentApplication == "eavesdrop").WaitAsync(LabHost.Patience);

        Assert.True(lab.Switch.Hears(call.BLeg.Uuid, benjamin.Uuid));
        Assert.False(lab.Switch.Hears(call.ALeg.Uuid, benjamin.Uuid));
    }

    public static TheoryData<string> Orders() => ["before", "after"];

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_provider_registered_before_or_after_decides_real_attempts(string order)
    {
        Action<IServiceCollection> register = s => s.AddSingleton<ISupervisionPermissionProvider, DenyEveryone>();
        await using LabHost lab = await LabHost.StartAsync(before: order == "before" ? register : null, after: order == "after" ? register : null);
        await lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"), "1004");

        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        SupervisionAuditEvent denied = await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Denied && e.SupervisorLegId == benjamin.Uuid);

        Assert.Equal(DenialReason.NotASupervisor, denied.DenialReason);
        Assert.Equal(DenyEveryone.Detail, denied.Detail);
        await lab.Switch.WaitForChannelAsync(c => c.Uuid == benjamin.Uuid && c.IsHungUp).WaitAsync(LabHost.Patience);
        Assert.Null(lab.Switch.GetEavesdropTarget(benjamin.Uuid));
    }

    [Fact]
    public async Task With_FailFastOnStart_a_refused_password_stops_the_host_start_with_the_typed_error()
    {
        await using FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = LabHost.Password });
        Dictionary<string, string?> settings = LabHost.LabSettings(fs.Port, password: "wrong-password");
        settings["EslSupervision:FailFastOnStart"] = "true";
        using IHost host = LabHost.BuildHost(settings);

        EslAuthenticationException error = await Assert.ThrowsAsync<EslAuthenticationException>(() => host.StartAsync().WaitAsync(LabHost.Patience));

        Assert.DoesNotContain("wrong-password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_check_is_healthy_while_connected_and_unhealthy_after_the_host_stops()
    {
        await using LabHost lab = await LabHost.StartAsync();
        HealthCheckService health = lab.Services.GetRequiredService<HealthCheckService>();

        HealthReport running = await health.CheckHealthAsync();
        HealthReportEntry entry = running.Entries["esl-supervision"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("Connected", entry.Data["state"]);
        Assert.Equal(0, entry.Data["activeSupervisions"]);
        Assert.Equal(["activeSupervisions", "lastFrameAgeSeconds", "state"], entry.Data.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(LabHost.Password, string.Join(" ", entry.Data.Values) + entry.Description, StringComparison.Ordinal);

        await lab.Host.StopAsync().WaitAsync(LabHost.Patience);

        HealthReportEntry stopped = (await health.CheckHealthAsync()).Entries["esl-supervision"];
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Equal("Closed", stopped.Data["state"]);
    }

    [Fact]
    public async Task The_health_check_counts_running_supervisions()
    {
        await using LabHost lab = await LabHost.StartAsync();
        await lab.CallAsync(fs => fs.ClientCallsAgent("4915550001", "Client", "5551000", "1004", "pbx.lab"), "1004");
        FakeChannel benjamin = lab.Switch.DialParked("1010", "pbx.lab", "*901004");
        await lab.WaitForAuditAsync(e => e.Kind == SupervisionAuditKind.Started && e.SupervisorLegId == benjamin.Uuid);

        HealthReportEntry entry = (await lab.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["esl-supervision"];

        Assert.Equal(1, entry.Data["activeSupervisions"]);
    }

    private static void AssertHearing(FakeFreeSwitch fs, string supervisor, string agent, string client, bool oliviaHearsHim, bool clientHearsHim)
    {
        Assert.True(fs.Hears(supervisor, agent), "the supervisor hears the agent");
        Assert.True(fs.Hears(supervisor, client), "the supervisor hears the client");
        Assert.True(fs.Hears(agent, client), "the agent still hears the client");
        Assert.True(fs.Hears(client, agent), "the client still hears the agent");
        Assert.Equal(oliviaHearsHim, fs.Hears(agent, supervisor));
        Assert.Equal(clientHearsHim, fs.Hears(client, supervisor));
    }
}
