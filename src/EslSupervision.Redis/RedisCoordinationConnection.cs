using EslSupervision.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EslSupervision.Redis;

/// <summary>
/// The one Redis connection of a controller replica, shared by <see cref="RedisSupervisionCoordinator"/> and
/// <see cref="RedisSupervisionTokenStore"/>. It never waits for Redis: when Redis is down, calls fail at once or
/// within <see cref="RedisCoordinationOptions.OperationTimeout"/> with <see cref="SupervisionCoordinationException"/>,
/// and it reconnects in the background so that nothing needs a restart when Redis is back.
/// </summary>
/// <remarks>Public because applications without DI create it with <c>new</c>. StackExchange.Redis types stay out of its
/// public surface, so the client library can change without breaking callers.</remarks>
public sealed class RedisCoordinationConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private int _disposed;

    /// <summary>Creates the connection; nothing is sent until the first call or <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">Checked with <see cref="RedisCoordinationOptionsValidator"/> here.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message never shows the connection string).</exception>
    public RedisCoordinationConnection(RedisCoordinationOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult validation = new RedisCoordinationOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException("Invalid Redis coordination settings: " + validation.FailureMessage, nameof(options));
        }

        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("EslSupervision.Redis");
        OperationTimeout = options.OperationTimeout;
        KeyPrefix = "{" + options.KeyPrefix + "}:";
        _configuration = ConfigurationOptions.Parse(options.ConnectionString!);

        // Never block a decision on Redis: start even when it is down, fail calls at once while it is
        // disconnected instead of queueing them, and bound every call by the operation timeout.
        _configuration.AbortOnConnectFail = false;
        _configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _configuration.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        _configuration.AsyncTimeout = Math.Max(1, (int)options.OperationTimeout.TotalMilliseconds);
        _configuration.SyncTimeout = _configuration.AsyncTimeout;
        _configuration.ClientName ??= "esl-supervision";

        // Come back quickly when Redis does: a replica that cannot reach Redis refuses every new supervision.
        _configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 5_000);
        RedisLog.Connecting(_logger, string.Join(",", _configuration.EndPoints.Select(e => e.ToString())), options.KeyPrefix);
    }

    /// <summary>Raised (on a background thread) when the connection to Redis is lost.</summary>
    public event EventHandler? ConnectionLost;

    /// <summary>Raised (on a background thread) when the connection to Redis is back.</summary>
    public event EventHandler? ConnectionRestored;

    /// <summary>Whether Redis is reachable now.</summary>
    public bool IsConnected => _connecting is { IsCompletedSuccessfully: true } task && task.Result.IsConnected;

    /// <summary>The bound on every call.</summary>
    internal TimeSpan OperationTimeout { get; }

    /// <summary>The start of every key: the configured prefix as a Redis Cluster hash tag, then a colon.</summary>
    internal string KeyPrefix { get; }

    internal ILogger Logger => _logger;

    /// <summary>
    /// Makes the first connection attempt now (otherwise the first call does). Returns when it has succeeded or
    /// failed, within <see cref="RedisCoordinationOptions.ConnectTimeout"/>: a Redis that is down does not stop the
    /// replica, which keeps reconnecting in the background and refuses new supervisions meanwhile.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the attempt goes on).</param>
    /// <returns>Whether Redis is reachable now.</returns>
    public async Task<bool> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ConnectionMultiplexer multiplexer = await GetMultiplexerAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return multiplexer.IsConnected;
    }

    /// <summary>Runs one Redis call with the operation timeout; every failure becomes <see cref="SupervisionCoordinationException"/>.</summary>
    internal async Task<T> RunAsync<T>(string operation, Func<IDatabase, Task<T>> call, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            Task<ConnectionMultiplexer> connecting = GetMultiplexerAsync();
            if (!connecting.IsCompletedSuccessfully)
            {
                // Still on the first attempt: no lease can be had yet, so fail now rather than wait for it.
                throw new SupervisionCoordinationException($"Redis is not connected yet ('{operation}').");
            }

            Task<T> pending = call(connecting.Result.GetDatabase());
            try
            {
                return await pending.WaitAsync(OperationTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!pending.IsCompleted)
            {
                // Given up on, but the client may still fail it later: observe that failure so it is not left unobserved.
                _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisLog.OperationFailed(_logger, operation, ex.GetType().Name);
            throw new SupervisionCoordinationException($"Redis did not answer '{operation}' ({ex.GetType().Name}).", ex);
        }
    }

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Task<ConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            connecting = _connecting;
        }

        if (connecting is null)
        {
            return;
        }

        try
        {
            ConnectionMultiplexer multiplexer = await connecting.ConfigureAwait(false);
            multiplexer.ConnectionFailed -= OnConnectionFailed;
            multiplexer.ConnectionRestored -= OnConnectionRestored;
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // The first attempt failed outright: nothing to close.
        }
    }

    private Task<ConnectionMultiplexer> GetMultiplexerAsync()
    {
        lock (_gate)
        {
            // A first attempt that threw (AbortOnConnectFail is off, so only on a bad configuration) is retried.
            if (_connecting is null || _connecting.IsFaulted)
            {
                _connecting = ConnectCoreAsync();
            }

            return _connecting;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectCoreAsync()
    {
        ConnectionMultiplexer multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
        return multiplexer;
    }

    // Only the interactive connection carries the coordination calls (pub/sub has its own, reported separately).
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Interactive)
        {
            return;
        }

        RedisLog.ConnectionFailed(_logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
        ConnectionLost?.Invoke(this, EventArgs.Empty);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Interactive)
        {
            return;
        }

        RedisLog.ConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?");
        ConnectionRestored?.Invoke(this, EventArgs.Empty);
    }
}
