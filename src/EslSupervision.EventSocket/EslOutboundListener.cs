using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EslSupervision.EventSocket;

/// <summary>
/// Accepts the connections the switch's <c>socket &lt;host:port&gt; async full</c> application makes, one per
/// call, and runs a handler for each as an <see cref="EslOutboundSession"/>. The session is disposed when the
/// handler returns.
/// </summary>
public sealed class EslOutboundListener : IAsyncDisposable
{
    private readonly EslOutboundListenerOptions _options;
    private readonly Func<EslOutboundSession, CancellationToken, Task> _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly EslMetrics _metrics;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _sessions = [];
    private Socket? _socket;
    private Task _acceptLoop = Task.CompletedTask;

    /// <summary>Creates a listener; nothing is bound until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Where to listen.</param>
    /// <param name="handler">Runs once per call; the session closes when it returns.</param>
    /// <param name="loggerFactory">Logging; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">Time for timeouts; the system clock when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the library's meter under DI.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public EslOutboundListener(EslOutboundListenerOptions options, Func<EslOutboundSession, CancellationToken, Task> handler, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        ValidateOptionsResult result = new EslOutboundListenerOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(nameof(EslOutboundListenerOptions), typeof(EslOutboundListenerOptions), result.Failures);
        }

        _options = options;
        _handler = handler;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EslOutboundListener>();
        _time = timeProvider ?? TimeProvider.System;
        _metrics = EslMetrics.Create(meterFactory);
    }

    /// <summary>The bound address and port (useful with port 0); <see langword="null"/> before <see cref="StartAsync"/>.</summary>
    public IPEndPoint? LocalEndPoint => _socket?.LocalEndPoint as IPEndPoint;

    /// <summary>Binds and starts accepting.</summary>
    /// <param name="cancellationToken">Unused beyond an early cancellation check.</param>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_socket is not null)
        {
            throw new InvalidOperationException("The listener is already started.");
        }

        var address = IPAddress.Parse(_options.Address);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, _options.Port));
        socket.Listen(512);
        _socket = socket;
        Log.ListenerStarted(_logger, socket.LocalEndPoint?.ToString() ?? _options.Address);
        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, cancels running handlers and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        Task[] running;
        lock (_sessions)
        {
            running = [.. _sessions];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            client.NoDelay = true;
            lock (_sessions)
            {
                if (_sessions.Count >= _options.MaxConcurrentSessions)
                {
                    client.Dispose();
                    continue;
                }

                Task run = RunSessionAsync(client);
                _sessions.Add(run);
                _ = run.ContinueWith(t => { lock (_sessions) { _sessions.Remove(t); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task RunSessionAsync(Socket client)
    {
        await Task.Yield();
        var settings = new EslConnectionSettings(client.RemoteEndPoint?.ToString() ?? "outbound", _options.CommandTimeout, _options.BackgroundJobTimeout, _options.EventBufferCapacity, _options.OverflowPolicy, _options.MaxFrameSize, EventBufferMaxBytes: _options.EventBufferMaxBytes);
        var session = new EslOutboundSession(new NetworkStream(client, ownsSocket: true), settings, _logger, _metrics, _time);
        await using (session.ConfigureAwait(false))
        {
            try
            {
                await _handler(session, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Log.SessionHandlerFailed(_logger, ex);
            }
        }
    }
}
