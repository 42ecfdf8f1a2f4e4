using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EslSupervision.Tests.Hosting;

/// <summary>
/// A Generic Host wired only through <c>AddEslSupervision(configuration)</c>, against the fake FreeSWITCH with the
/// seed's lab (pbx.lab: Olivia 1004, Sam 1005, Benjamin 1010 supervisor of ring group support).
/// </summary>
internal sealed class LabHost : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    public const string Password = "lab-secret";

    private readonly ReplaySubject<SupervisionAuditEvent> _audit = new();
    private IDisposable? _auditSubscription;

    private LabHost(FakeFreeSwitch fs, IHost host)
    {
        Switch = fs;
        Host = host;
    }

    public FakeFreeSwitch Switch { get; }

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    public SupervisionController Controller => Services.GetRequiredService<SupervisionController>();

    public static Dictionary<string, string?> LabSettings(int port, string? password = Password) => new()
    {
        ["EslSupervision:Tenants:pbx.lab:Enabled"] = "true",
        ["EslSupervision:RingGroups:0:Name"] = "support",
        ["EslSupervision:RingGroups:0:Tenant"] = "pbx.lab",
        ["EslSupervision:RingGroups:0:Members:0:Extension"] = "1004",
        ["EslSupervision:RingGroups:0:Members:1:Extension"] = "1005",
        ["EslSupervision:RingGroups:0:Members:2:Extension"] = "1010",
        ["EslSupervision:RingGroups:0:Members:2:Supervisor"] = "true",
        ["EslSupervision:Connection:Host"] = "127.0.0.1",
        ["EslSupervision:Connection:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EslSupervision:Connection:Password"] = password,
    };

    public static IHost BuildHost(IDictionary<string, string?> settings, Action<IServiceCollection>? before = null, Action<IServiceCollection>? after = null)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        before?.Invoke(builder.Services);
        builder.Services.AddEslSupervision(builder.Configuration);
        builder.Services.AddHealthChecks().AddEslSupervision();
        after?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>Starts the fake switch and a host; <paramref name="before"/> and <paramref name="after"/> register services around <c>AddEslSupervision</c>.</summary>
    public static async Task<LabHost> StartAsync(Action<IServiceCollection>? before = null, Action<IServiceCollection>? after = null, IDictionary<string, string?>? extraSettings = null)
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = Password });
        foreach (var (ext, name) in new[] { ("1004", "Olivia"), ("1005", "Sam"), ("1010", "Benjamin") })
        {
            fs.AddUser(new FakeUser(ext, "pbx.lab", name));
        }

        Dictionary<string, string?> settings = LabSettings(fs.Port);
        foreach (KeyValuePair<string, string?> pair in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[pair.Key] = pair.Value;
        }

        IHost host = BuildHost(settings, before, after);
        var lab = new LabHost(fs, host);
        lab._auditSubscription = lab.Controller.Audit.Subscribe(lab._audit);
        await host.StartAsync().WaitAsync(Patience);
        return lab;
    }

    public Task<SupervisionAuditEvent> WaitForAuditAsync(Func<SupervisionAuditEvent, bool> match)
        => _audit.FirstAsync(match).ToTask().WaitAsync(Patience);

    /// <summary>Places a call and waits until the registry knows the agent's leg is bridged.</summary>
    public async Task<FakeCall> CallAsync(Func<FakeFreeSwitch, FakeCall> place, string agentExtension)
    {
        CallRegistry registry = Services.GetRequiredService<CallRegistry>();
        Task bridged = registry.Changes.FirstAsync(c => c.Kind == CallChangeKind.ChannelBridged).ToTask();
        FakeCall call = place(Switch);
        await bridged.WaitAsync(Patience);
        Assert.NotNull(registry.FindActiveAgentLeg("pbx.lab", agentExtension));
        return call;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync().WaitAsync(Patience);
        }
        finally
        {
            _auditSubscription?.Dispose();
            await ((IAsyncDisposable)Host).DisposeAsync();
            _audit.Dispose();
            await Switch.DisposeAsync();
        }
    }
}
