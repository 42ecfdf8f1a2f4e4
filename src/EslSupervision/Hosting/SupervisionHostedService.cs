using System.Diagnostics.Metrics;
using System.Net;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EslSupervision.Hosting;

/// <summary>
/// Runs call supervision inside a Generic Host: connects the <see cref="EslInboundClient"/>, starts the
/// <see cref="SupervisionController"/> and, in <see cref="EslSupervisionHostMode.Outbound"/> mode, an
/// <see cref="EslOutboundListener"/> whose sessions go to <see cref="SupervisionController.HandleOutboundSessionAsync"/>.
/// Registered by <c>AddEslSupervision</c>.
/// </summary>
/// <remarks>
/// <para>
/// Start fails fast: if the first connection cannot be made (switch unreachable within
/// <see cref="EslClientOptions.ConnectTimeout"/>, password refused) <see cref="StartAsync"/> logs the endpoint
/// (never the password) and rethrows the <see cref="EslConnectionException"/> or
/// <see cref="EslAuthenticationException"/>, so the host does not start half-working. Once connected, a lost
/// connection is re-established by the client with its backoff (<see cref="EslClientOptions.Reconnect"/>) and
/// the controller resynchronises; the health check reports <c>Degraded</c> meanwhile.
/// </para>
/// <para>
/// Stop closes the outbound listener first (no new service-code calls), then the controller, then the
/// connection. Supervisions already running stay up in the switch and are adopted by the next start. The
/// client and controller are closed for good, so a stopped host is not started again; build a new one.
/// </para>
/// </remarks>
public sealed class SupervisionHostedService : IHostedService
{
    private readonly EslInboundClient _client;
    private readonly SupervisionController _controller;
    private readonly EslSupervisionHostOptions _hostOptions;
    private readonly EslOutboundListenerOptions _outboundOptions;
    private readonly string _endpoint;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMeterFactory? _meterFactory;
    private EslOutboundListener? _listener;

    /// <summary>Creates the service (DI does this).</summary>
    /// <param name="client">The inbound connection to connect.</param>
    /// <param name="controller">The controller to start.</param>
    /// <param name="hostOptions">The mode.</param>
    /// <param name="clientOptions">The connection settings (for log messages: endpoint only).</param>
    /// <param name="outboundOptions">Where to listen in outbound mode.</param>
    /// <param name="loggerFactory">Logging; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">Time for the outbound listener; the system clock when <see langword="null"/>.</param>
    /// <param name="meterFactory">Metrics for the outbound listener.</param>
    public SupervisionHostedService(
        EslInboundClient client,
        SupervisionController controller,
        IOptions<EslSupervisionHostOptions> hostOptions,
        IOptions<EslClientOptions> clientOptions,
        IOptions<EslOutboundListenerOptions> outboundOptions,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(hostOptions);
        ArgumentNullException.ThrowIfNull(clientOptions);
        ArgumentNullException.ThrowIfNull(outboundOptions);
        _client = client;
        _controller = controller;
        _hostOptions = hostOptions.Value;
        _outboundOptions = outboundOptions.Value;
        _endpoint = clientOptions.Value.ToString();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<SupervisionHostedService>();
        _time = timeProvider ?? TimeProvider.System;
        _meterFactory = meterFactory;
    }

    /// <summary>Where the outbound listener accepts the switch's <c>socket</c> connections; <see langword="null"/> in inbound mode or before start.</summary>
    public IPEndPoint? OutboundEndPoint => _listener?.LocalEndPoint;

    /// <summary>Connects, starts the controller and, in outbound mode, the listener.</summary>
    /// <param name="cancellationToken">The host's start cancellation; cancels connecting.</param>
    /// <exception cref="EslConnectionException">The switch could not be reached.</exception>
    /// <exception cref="EslAuthenticationException">The switch refused the password.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        EslSupervisionHostMode mode = _hostOptions.Mode;
        HostingLog.Starting(_logger, mode, _endpoint);
        try
        {
            await _client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EslException ex)
        {
            HostingLog.ConnectFailed(_logger, _endpoint, ex);
            throw;
        }

        await _controller.StartAsync(cancellationToken).ConfigureAwait(false);
        if (mode == EslSupervisionHostMode.Outbound)
        {
            var listener = new EslOutboundListener(_outboundOptions, _controller.HandleOutboundSessionAsync, _loggerFactory, _time, _meterFactory);
            await listener.StartAsync(cancellationToken).ConfigureAwait(false);
            _listener = listener;
            HostingLog.OutboundListening(_logger, listener.LocalEndPoint?.ToString() ?? _outboundOptions.Address);
        }

        HostingLog.Started(_logger, mode);
    }

    /// <summary>Closes the listener, the controller and the connection, in that order.</summary>
    /// <param name="cancellationToken">The host's shutdown timeout; when it fires, closing finishes in the background.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        HostingLog.Stopping(_logger);
        try
        {
            await CloseAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            HostingLog.Stopped(_logger);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            HostingLog.StopTimedOut(_logger);
        }
    }

    private async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _listener, null) is { } listener)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        await _controller.DisposeAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
    }
}
