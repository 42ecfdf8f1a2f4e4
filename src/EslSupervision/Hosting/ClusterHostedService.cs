using System.Diagnostics.Metrics;
using EslSupervision.Cluster;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EslSupervision.Hosting;

/// <summary>
/// Runs a cluster inside a Generic Host: each switch is connected and supervised by the same hosted service as a
/// single switch (deferred start when that switch is down, its own reconnects and resyncs), so one switch down
/// never holds up the others' start or their supervision.
/// </summary>
internal sealed class ClusterHostedService : IHostedService
{
    private readonly SupervisionCluster _cluster;
    private readonly SupervisionHostedService[] _switches;

    public ClusterHostedService(
        SupervisionCluster cluster,
        IOptions<EslSupervisionHostOptions> hostOptions,
        IOptionsMonitor<EslClientOptions> clientOptions,
        IOptions<EslOutboundListenerOptions> outboundOptions,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        _cluster = cluster;
        _switches = [.. cluster.Switches.Select(name => new SupervisionHostedService(
            (IEslInboundConnection)cluster.ConnectionOf(name),
            cluster.GetController(name),
            hostOptions,
            Options.Create(clientOptions.Get(name)),
            outboundOptions,
            loggerFactory,
            timeProvider,
            meterFactory))];
    }

    /// <summary>Completes when every switch's controller runs (for tests and diagnostics).</summary>
    internal Task SupervisionStarted => Task.WhenAll(_switches.Select(s => s.SupervisionStarted));

    /// <summary>Per switch, whether its controller runs.</summary>
    internal IReadOnlyList<(string Name, bool IsSupervising)> Status => [.. _cluster.Switches.Select((n, i) => (n, _switches[i].IsSupervising))];

    public Task StartAsync(CancellationToken cancellationToken) => Task.WhenAll(_switches.Select(s => s.StartAsync(cancellationToken)));

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_switches.Select(s => s.StopAsync(cancellationToken))).ConfigureAwait(false);
        await _cluster.DisposeAsync().ConfigureAwait(false);
    }
}
