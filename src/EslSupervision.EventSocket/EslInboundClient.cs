using System.Diagnostics.Metrics;
using System.Net.Sockets;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Diagnostics;
using EslSupervision.EventSocket.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EslSupervision.EventSocket;

/// <summary>
/// An inbound Event Socket connection: the client connects to the switch (port 8021 by default) and
/// authenticates. If the connection is lost it reconnects with jittered exponential backoff, re-authenticates
/// and restores its subscriptions and filters before commands flow again; <see cref="EslConnection.Events"/>
/// carries on across reconnections.
/// </summary>
/// <example>
/// <code>
/// await using var client = new EslInboundClient(new EslClientOptions { Host = "127.0.0.1", Password = secret });
/// await client.ConnectAsync();
/// await client.SubscribeAsync(["CHANNEL_PARK"]);
/// using var _ = client.Events.Subscribe(e => Console.WriteLine(e.EventName));
/// </code>
/// </example>
public sealed class EslInboundClient : EslConnection, IEslInboundConnection, IDisposable
{
    private static readonly string[] LivenessEvents = ["HEARTBEAT"];

    private readonly EslClientOptions _options;
    private readonly ReconnectBackoff _backoff;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly string _endpoint;
    private readonly object _gate = new();
    private readonly ConnectionStatus _status;
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DeferredLiveness _liveness;
    private EslConnectionCore? _core;
    private Task _supervision = Task.CompletedTask;
    private volatile bool _exitRequested;
    private int _disposing;
    private string? _lastDeathReason;

    /// <summary>Creates a client; nothing is opened until <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">Where to connect and how; validated here.</param>
    /// <param name="loggerFactory">Logging; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">Time for timeouts and backoff; the system clock when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the library's meter under DI; a shared meter when <see langword="null"/>.</param>
    /// <exception cref="OptionsValidationException">The options are invalid (e.g. no password).</exception>
    public EslInboundClient(EslClientOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
        : this(Validated(options), (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EslInboundClient>(), timeProvider ?? TimeProvider.System, EslMetrics.Create(meterFactory))
    {
    }

    /// <summary>Creates a client from DI options.</summary>
    /// <param name="options">Where to connect and how; validated here.</param>
    /// <param name="loggerFactory">Logging; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">Time for timeouts and backoff; the system clock when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the library's meter; a shared meter when <see langword="null"/>.</param>
    public EslInboundClient(IOptions<EslClientOptions> options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Value, loggerFactory, timeProvider, meterFactory)
    {
    }

    private EslInboundClient(EslClientOptions options, ILogger logger, TimeProvider time, EslMetrics metrics)
        : base(ToSettings(options), logger, metrics, time)
    {
        _options = options;
        _endpoint = options.ToString();
        _backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, JitterSource);
        _status = new ConnectionStatus(time.GetUtcNow());
        _liveness = new DeferredLiveness(time, SubscribeLivenessAsync);
        if (options.LivenessTimeout > TimeSpan.Zero)
        {
            // Part of every connection's subscriptions: an idle switch is silent except for HEARTBEAT, so without it
            // silence could not tell an idle switch from a dead one. A first connect holds it back (DeferredLiveness).
            Subscriptions.Add(LivenessEvents, [], EslEventFormat.Plain);
        }
    }

    /// <summary>For tests: where backoff jitter comes from (0..1). Defaults to <see cref="Random.Shared"/>.</summary>
    internal static Func<double>? JitterSource { get; set; }

    private protected override EslConnectionCore Core
        => _core is { IsOpen: true } core
            ? core
            : throw new EslConnectionException(State == EslConnectionState.Reconnecting
                ? $"Not connected to {_endpoint}: reconnecting."
                : $"Not connected to {_endpoint}.");

    private bool IsDisposing => Volatile.Read(ref _disposing) != 0;

    /// <summary>
    /// Connects and authenticates. Reconnection (if enabled) applies only after a first successful connect. Called
    /// while the client reconnects by itself, the first connection made wins: the reconnect loop stops, or, if the loop
    /// (or a concurrent call) connected first, this call closes its own connection and returns. A client never keeps
    /// two connections.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="EslAuthenticationException">The password or the address was refused.</exception>
    /// <exception cref="EslConnectionException">The switch could not be reached in <see cref="EslClientOptions.ConnectTimeout"/>.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposing, this);
        EslConnectionCore? current = Volatile.Read(ref _core);
        if (current is { IsOpen: true })
        {
            throw new InvalidOperationException("The client is already connected.");
        }

        SetState(EslConnectionState.Connecting);
        EslConnectionCore core;
        bool deferLiveness;
        try
        {
            core = await OpenAsync(cancellationToken).ConfigureAwait(false);
            deferLiveness = OnlyLivenessSubscribed();
            try
            {
                // With nothing but liveness to subscribe, the caller's first event command carries it instead: a
                // switch (or a relay) may start sending on the first `event`, and this one would precede theirs.
                if (!deferLiveness)
                {
                    await ReplaySubscriptionsAsync(core, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                await core.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch (Exception ex)
        {
            if (ex is EslException)
            {
                _status.AttemptFailed(ex, Time.GetUtcNow());
                Metrics.ConnectFailed(ex is EslAuthenticationException ? "authentication" : "unreachable");
            }

            SetState(IsDisposing ? EslConnectionState.Closed : EslConnectionState.Disconnected);
            throw;
        }

        // Pending before the core is handed out, so the very first SubscribeAsync already carries HEARTBEAT.
        if (deferLiveness)
        {
            _liveness.Defer(core, DeferredLiveness.Grace(_options.LivenessTimeout));
        }
        else
        {
            _liveness.Cancel();
        }

        if (!TryAdopt(core, replacing: current))
        {
            _liveness.Cancel();
            await core.DisposeAsync().ConfigureAwait(false);
            ObjectDisposedException.ThrowIf(IsDisposing, this);

            // Connected meanwhile by the reconnect loop or a concurrent call: one connection, and it is up.
            Log.ConnectionAlreadyMade(Logger, _endpoint);
            return;
        }

        Log.Connected(Logger, _endpoint);
    }

    /// <summary>
    /// Connects like <see cref="ConnectAsync"/>, but a failed attempt (switch down, credentials refused) is logged and
    /// retried with the reconnection backoff until one succeeds; the health snapshot says why meanwhile.
    /// </summary>
    /// <param name="cancellationToken">Stops trying.</param>
    /// <exception cref="OperationCanceledException">Cancelled, or the client was disposed, before a connection was made.</exception>
    public async Task ConnectUntilConnectedAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        for (int attempt = 0; ; attempt++)
        {
            linked.Token.ThrowIfCancellationRequested();
            try
            {
                await ConnectAsync(linked.Token).ConfigureAwait(false);
                return;
            }
            catch (EslException ex) when (!linked.IsCancellationRequested)
            {
                TimeSpan delay = _backoff.Next(attempt);
                Task waiting = Task.Delay(delay, Time, linked.Token);
                LogAttemptFailed(attempt + 1, delay, ex);
                await waiting.ConfigureAwait(false);
            }
            catch (ObjectDisposedException) when (IsDisposing)
            {
                throw new OperationCanceledException("The client was disposed while connecting.", _shutdown.Token);
            }
        }
    }

    /// <summary>Why the client is (not) connected, now: for health checks and dashboards.</summary>
    /// <returns>A snapshot; it does not change afterwards.</returns>
    public EslConnectionHealth GetHealth()
    {
        EslConnectionCore? core = _core;
        TimeSpan? sinceLastFrame = core is { IsOpen: true } ? core.SinceLastFrame : null;
        return _status.Snapshot(State, sinceLastFrame, Volatile.Read(ref _lastDeathReason));
    }

    /// <summary>
    /// The synchronous form of <see cref="DisposeAsync"/>, for containers that dispose synchronously (a plain
    /// <c>ServiceProvider.Dispose()</c>): it blocks until the same close has finished. Prefer <see cref="DisposeAsync"/>.
    /// </summary>
    public void Dispose()
    {
        DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Closes the connection for good: no reconnection; pending commands fail; the event streams complete. Never throws;
    /// safe to call more than once, concurrently, or while the client is reconnecting.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposing, 1) != 0)
        {
            await _disposed.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            await CloseForGoodAsync().ConfigureAwait(false);
        }
        finally
        {
            _disposed.TrySetResult();
        }
    }

    private protected override void OnExitRequested() => _exitRequested = true;

    private protected override bool CarryPendingLiveness(EslConnectionCore core, ref string[] names) => _liveness.Carry(core, ref names);

    private protected override void LivenessSubscribed(EslConnectionCore core) => _liveness.Acknowledged(core);

    /// <summary>True when the only subscription to restore is the liveness one (no user events, subclasses or filters).</summary>
    private bool OnlyLivenessSubscribed()
    {
        var (events, custom, _, filters) = Subscriptions.Snapshot();
        return _options.LivenessTimeout > TimeSpan.Zero && custom.Length == 0 && filters.Length == 0
               && events.Length == 1 && string.Equals(events[0], LivenessEvents[0], StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Nothing subscribed within the grace: subscribes HEARTBEAT on its own. Never throws (the timer's task is not awaited).</summary>
    private async Task SubscribeLivenessAsync(EslConnectionCore core)
    {
        try
        {
            await ExpectOkAsync(core, BuildEventCommand("event", FormatToken(Subscriptions.Format), LivenessEvents, []), _shutdown.Token).ConfigureAwait(false);
            _liveness.Acknowledged(core);
            Log.LivenessSubscribed(Logger, _endpoint);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            // Disposed while it was in flight: nothing to report.
        }
        catch (Exception ex)
        {
            Log.LivenessSubscribeFailed(Logger, _endpoint, ex);
        }
    }

    private static EslClientOptions Validated(EslClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult result = new EslClientOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(nameof(EslClientOptions), typeof(EslClientOptions), result.Failures);
        }

        return options;
    }

    private static EslConnectionSettings ToSettings(EslClientOptions o)
        => new(o.ToString(), o.CommandTimeout, o.BackgroundJobTimeout, o.EventBufferCapacity, o.OverflowPolicy, o.MaxFrameSize, o.LivenessTimeout, o.MaxConsecutiveCommandTimeouts, o.EventBufferMaxBytes, DedicatedThreads: true, InlineStallPeriod: o.InlineStallPeriod);

    private async Task CloseForGoodAsync()
    {
        _liveness.Dispose();
        try
        {
            await _shutdown.CancelAsync().ConfigureAwait(false);
        }
        catch (AggregateException ex)
        {
            Log.CloseFailed(Logger, ex);
        }

        // A reconnect that finished before the flag was set has published its core and supervision under the gate;
        // one that finishes after it disposes its own core (TryAdopt). So the loop ends with nothing left open.
        while (true)
        {
            EslConnectionCore? core;
            Task supervision;
            lock (_gate)
            {
                core = _core;
                supervision = _supervision;
            }

            if (core is not null)
            {
                await core.DisposeAsync().ConfigureAwait(false);
            }

            await supervision.ConfigureAwait(false);
            lock (_gate)
            {
                if (ReferenceEquals(core, _core) && ReferenceEquals(supervision, _supervision))
                {
                    break;
                }
            }
        }

        SetState(EslConnectionState.Closed);
        CompleteState();
        try
        {
            await Dispatcher.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.CloseFailed(Logger, ex);
        }
    }

    /// <summary>Makes <paramref name="core"/> the current connection and starts watching it, unless the client is being disposed.</summary>
    /// <summary>
    /// Makes <paramref name="core"/> the current connection if the current one is still <paramref name="replacing"/>:
    /// a connection made meanwhile by someone else (the reconnect loop, <see cref="ConnectAsync"/>) wins, so a client
    /// never keeps two live sockets (each with its own supervision, both feeding the same streams).
    /// </summary>
    private bool TryAdopt(EslConnectionCore core, EslConnectionCore? replacing)
    {
        lock (_gate)
        {
            if (IsDisposing || !ReferenceEquals(_core, replacing))
            {
                return false;
            }

            _core = core;
            _status.Connected();
            _supervision = Task.Run(() => SuperviseAsync(core));
        }

        SetState(EslConnectionState.Connected);
        return true;
    }

    private void LogAttemptFailed(int attempt, TimeSpan delay, Exception error)
    {
        if (error is EslAuthenticationException)
        {
            Log.AuthenticationRefused(Logger, _endpoint, attempt, delay.TotalMilliseconds, error);
        }
        else
        {
            Log.ConnectRetrying(Logger, _endpoint, attempt, delay.TotalMilliseconds, error);
        }
    }

    private async Task<EslConnectionCore> OpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _shutdown.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        EslConnectionCore? core = null;
        try
        {
            // FreeSWITCH does not enable keep-alive on inbound sockets; ours detects a dead peer eventually.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);

            // Commands are written synchronously (the socket must stay blocking for the read thread): a switch that
            // stops reading would hold the writing caller forever. After CommandTimeout the write fails instead,
            // which closes the connection (a half-written command cannot be taken back) and reconnecting starts.
            socket.SendTimeout = (int)Math.Clamp(_options.CommandTimeout.TotalMilliseconds, 1, int.MaxValue);
            await BlockingConnect.ConnectAsync(socket, _options.Host, _options.Port, linked.Token).ConfigureAwait(false);
            core = new EslConnectionCore(new NetworkStream(socket, ownsSocket: true), Settings, Dispatcher.PublishAsync, Logger, Metrics, Time, Dispatcher);
            await core.AuthRequested.WaitAsync(linked.Token).ConfigureAwait(false);
            await AuthenticateAsync(core, linked.Token).ConfigureAwait(false);
            return core;
        }
        catch (Exception ex) when (ex is not EslException)
        {
            if (core is not null)
            {
                await core.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            if (ex is OperationCanceledException && (cancellationToken.IsCancellationRequested || _shutdown.IsCancellationRequested))
            {
                throw;
            }

            throw ex is OperationCanceledException
                ? new EslConnectionException($"Could not connect to {_endpoint} within {_options.ConnectTimeout.TotalSeconds:0.#} s.", ex)
                : new EslConnectionException($"Could not connect to {_endpoint}: {ex.Message}", ex);
        }
        catch
        {
            if (core is not null)
            {
                await core.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task AuthenticateAsync(EslConnectionCore core, CancellationToken cancellationToken)
    {
        // The password is validated like any other value but never appears in a message or a log.
        EslCommand command = _options.User is { } user
            ? EslCommand.Create("userauth").Rest(CommandText.EnsureToken(user, nameof(EslClientOptions.User)) + ":" + CommandText.EnsureLine(_options.Password, nameof(EslClientOptions.Password)), nameof(EslClientOptions.Password)).Build()
            : EslCommand.Create("auth").Rest(CommandText.EnsureLine(_options.Password, nameof(EslClientOptions.Password)), nameof(EslClientOptions.Password)).Build();
        EslFrame reply = await core.SendAsync(command, cancellationToken, _options.ConnectTimeout).ConfigureAwait(false);
        string text = reply.Header("Reply-Text") ?? string.Empty;
        if (!text.StartsWith("+OK", StringComparison.Ordinal))
        {
            throw new EslAuthenticationException($"FreeSWITCH at {_endpoint} refused the credentials ({text}).");
        }
    }

    /// <summary>Watches one connection and, when it ends, reconnects (or ends the streams). Never faults.</summary>
    private async Task SuperviseAsync(EslConnectionCore core)
    {
        try
        {
            await WatchAndReconnectAsync(core).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.SupervisionFailed(Logger, _endpoint, ex);
            SetState(EslConnectionState.Closed);
            await Dispatcher.CompleteAsync(ex).ConfigureAwait(false);
        }
    }

    private async Task WatchAndReconnectAsync(EslConnectionCore core)
    {
        await core.Completion.ConfigureAwait(false);
        _liveness.Closed(core);
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        Exception? reason = core.CloseReason;
        if (core.DeathReason is { } death)
        {
            Volatile.Write(ref _lastDeathReason, death);
        }

        _status.Lost(reason, Time.GetUtcNow());
        Log.Closed(Logger, reason);
        if (_exitRequested || !_options.Reconnect)
        {
            SetState(EslConnectionState.Closed);
            await Dispatcher.CompleteAsync(_exitRequested ? null : reason ?? new EslConnectionException("The connection was closed.")).ConfigureAwait(false);
            return;
        }

        SetState(EslConnectionState.Reconnecting);
        for (int attempt = 0; !_shutdown.IsCancellationRequested; attempt++)
        {
            TimeSpan delay = _backoff.Next(attempt);
            try
            {
                // The timer is started before the line is logged, so whoever reads the log knows it is running.
                Task waiting = Task.Delay(delay, Time, _shutdown.Token);
                Log.Reconnecting(Logger, _endpoint, delay.TotalMilliseconds, attempt + 1, reason);
                await waiting.ConfigureAwait(false);
                if (!ReferenceEquals(Volatile.Read(ref _core), core))
                {
                    // ConnectAsync connected the client during the back-off: that connection is the client's now.
                    Log.ReconnectSuperseded(Logger, _endpoint);
                    await core.DisposeAsync().ConfigureAwait(false);
                    return;
                }

                EslConnectionCore next = await OpenAsync(_shutdown.Token).ConfigureAwait(false);
                try
                {
                    await ReplaySubscriptionsAsync(next, _shutdown.Token).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    if (ex is not OperationCanceledException)
                    {
                        Log.ReplayFailed(Logger, ex);
                    }

                    await next.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                if (!TryAdopt(next, replacing: core))
                {
                    if (!IsDisposing)
                    {
                        Log.ReconnectSuperseded(Logger, _endpoint);
                    }

                    await next.DisposeAsync().ConfigureAwait(false);
                    await core.DisposeAsync().ConfigureAwait(false);
                    return;
                }

                Metrics.Reconnected();
                Log.Reconnected(Logger, _endpoint, Subscriptions.EventCount, Subscriptions.FilterCount);
                await core.DisposeAsync().ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _status.AttemptFailed(ex, Time.GetUtcNow());
                if (ex is EslAuthenticationException)
                {
                    Metrics.ConnectFailed("authentication");
                    Log.AuthenticationRefused(Logger, _endpoint, attempt + 1, _backoff.Ceiling(attempt + 1).TotalMilliseconds, ex);
                }
                else
                {
                    Metrics.ConnectFailed("unreachable");
                    Log.ReconnectFailed(Logger, attempt + 1, _endpoint, ex);
                }
            }
        }
    }
}
