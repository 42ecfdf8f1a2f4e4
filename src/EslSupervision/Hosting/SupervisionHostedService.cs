using System.Diagnostics.Metrics;
using System.Net;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EslSupervision.Hosting;

/// <summary>
/// Runs call supervision inside a Generic Host: connects the <see cref="IEslInboundConnection"/> (by default the
/// <see cref="EslInboundClient"/>), starts the
/// <see cref="SupervisionController"/> and, in <see cref="EslSupervisionHostMode.Outbound"/> mode, an
/// <see cref="EslOutboundListener"/> whose sessions go to <see cref="SupervisionController.HandleOutboundSessionAsync"/>.
/// Registered by <c>AddEslSupervision</c>.
/// </summary>
/// <remarks>
/// <para>
/// Start does not depend on the switch being up: if the first connection cannot be made (switch unreachable within
/// <see cref="EslClientOptions.ConnectTimeout"/>, password refused) <see cref="StartAsync"/> logs the endpoint
/// (never the password) and returns; the client keeps trying with its reconnection backoff, the health check reports
/// <c>Unhealthy</c> with the reason, and the controller starts (and resynchronises) as soon as a connection is made.
/// With <see cref="EslSupervisionHostOptions.FailFastOnStart"/> start fails fast instead and rethrows the
/// <see cref="EslConnectionException"/> or <see cref="EslAuthenticationException"/>. Once connected, a lost
/// connection is re-established by the client with its backoff (<see cref="EslClientOptions.Reconnect"/>) and
/// the controller resynchronises.
/// </para>
/// <para>
/// Stop closes the outbound listener first (no new service-code calls), then the controller, then the
/// connection. Supervisions already running stay up in the switch and are adopted by the next start. The
/// client and controller are closed for good, so a stopped host is not started again; build a new one.
/// </para>
/// </remarks>
#pragma warning disable CA1001 // _stopping has no timer and no registrations that outlive the service: nothing to dispose.
internal sealed class SupervisionHostedService : IHostedService
#pragma warning restore CA1001
{
    private readonly IEslInboundConnection _client;
    private readonly SupervisionController _controller;
    private readonly EslSupervisionHostOptions _hostOptions;
    private readonly EslOutboundListenerOptions _outboundOptions;
    private readonly string _endpoint;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMeterFactory? _meterFactory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _supervisionStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EslOutboundListener? _listener;
    private Task _deferredStart = Task.CompletedTask;
    private bool _supervising;

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
        IEslInboundConnection client,
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

    /// <summary>Whether the controller is running (false before start, during a deferred start and after stop).</summary>
    internal bool IsSupervising => Volatile.Read(ref _supervising);

    /// <summary>Completes when the controller runs (at once, or after a deferred start); for tests and diagnostics.</summary>
    internal Task SupervisionStarted => _supervisionStarted.Task;

    /// <summary>Where the outbound listener accepts the switch's <c>socket</c> connections; <see langword="null"/> in inbound mode or before start.</summary>
    public IPEndPoint? OutboundEndPoint => _listener?.LocalEndPoint;

    /// <summary>
    /// Connects, starts the controller and, in outbound mode, the listener. When the switch cannot be reached this
    /// finishes in the background (unless <see cref="EslSupervisionHostOptions.FailFastOnStart"/>).
    /// </summary>
    /// <param name="cancellationToken">The host's start cancellation; cancels connecting.</param>
    /// <exception cref="EslConnectionException">The switch could not be reached (with <see cref="EslSupervisionHostOptions.FailFastOnStart"/> only).</exception>
    /// <exception cref="EslAuthenticationException">The switch refused the password (with <see cref="EslSupervisionHostOptions.FailFastOnStart"/> only).</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        EslSupervisionHostMode mode = _hostOptions.Mode;
        HostingLog.Starting(_logger, mode, _endpoint);
        try
        {
            await _client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EslException ex) when (!_hostOptions.FailFastOnStart)
        {
            HostingLog.StartingWithoutSwitch(_logger, _endpoint, ex);
            _deferredStart = Task.Run(() => StartWhenConnectedAsync(_stopping.Token), CancellationToken.None);
            return;
        }
        catch (EslException ex)
        {
            HostingLog.ConnectFailed(_logger, _endpoint, ex);
            throw;
        }

        await StartSupervisionAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// The deferred start: keeps connecting with the client's backoff (logging each failure), then starts the
    /// controller; if that fails (the connection dropped in between), waits for the client's own reconnection and
    /// tries again. Ends quietly when the host stops. Never faults.
    /// </summary>
    private async Task StartWhenConnectedAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (_client.State is EslConnectionState.Reconnecting or EslConnectionState.Connecting)
                {
                    await _client.StateChanges.FirstAsync(s => s is EslConnectionState.Connected or EslConnectionState.Closed or EslConnectionState.Disconnected)
                        .ToTask(cancellationToken).ConfigureAwait(false);
                }

                if (_client.State is EslConnectionState.Closed)
                {
                    return;
                }

                if (_client.State is not EslConnectionState.Connected)
                {
                    await _client.ConnectUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
                    HostingLog.DeferredConnected(_logger, _endpoint);
                }

                try
                {
                    await StartSupervisionAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (EslException ex)
                {
                    HostingLog.DeferredStartFailed(_logger, ex);
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException or EslException)
        {
            // The client was disposed or stopped under us: nothing left to start, and StopAsync must not throw.
            HostingLog.DeferredStartFailed(_logger, ex);
        }
    }

    private async Task StartSupervisionAsync(CancellationToken cancellationToken)
    {
        EslSupervisionHostMode mode = _hostOptions.Mode;
        await _controller.StartAsync(cancellationToken).ConfigureAwait(false);
        if (mode == EslSupervisionHostMode.Outbound)
        {
            var listener = new EslOutboundListener(_outboundOptions, _controller.HandleOutboundSessionAsync, _loggerFactory, _time, _meterFactory);
            await listener.StartAsync(cancellationToken).ConfigureAwait(false);
            _listener = listener;
            HostingLog.OutboundListening(_logger, listener.LocalEndPoint?.ToString() ?? _outboundOptions.Address);
        }

        Volatile.Write(ref _supervising, true);
        _supervisionStarted.TrySetResult();
        HostingLog.Started(_logger, mode);
    }

    private async Task CloseAsync()
    {
        Volatile.Write(ref _supervising, false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _deferredStart.ConfigureAwait(false);
        if (Interlocked.Exchange(ref _listener, null) is { } listener)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        await _controller.DisposeAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
    }
}
