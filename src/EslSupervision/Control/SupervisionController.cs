using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using EslSupervision.Calls;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EslSupervision.Control;

/// <summary>
/// Turns service-code calls into eavesdrop sessions and the supervisor's keys into mode switches, the way a
/// real FreeSWITCH 1.10 needs it (see <c>docs</c>): every set-up step before <c>eavesdrop</c>, native eavesdrop
/// digits off, keys relayed as <c>CHANNEL_APPLICATION</c> events and answered with <c>sendevent</c>, permission
/// checked at the start and on every switch, the supervisor's leg hung up when the agent's call ends, and running
/// supervisions adopted again after a reconnect.
/// </summary>
/// <remarks>
/// Inbound mode (default): the dialplan parks service-code calls and the controller reacts to <c>CHANNEL_PARK</c>
/// on its one connection. Outbound mode: pass each <see cref="EslOutboundSession"/> to
/// <see cref="HandleOutboundSessionAsync"/>; the inbound connection still feeds the call registry.
/// Public because it is the library's entry point: its <see cref="Audit"/> stream, <see cref="ActiveSupervisions"/>,
/// <see cref="SwitchModeAsync"/> and <see cref="EndAsync"/> are what dashboards and audit use, and without DI it is
/// created with <c>new</c>.
/// </remarks>
public sealed partial class SupervisionController : ISupervisionOperations, IAsyncDisposable, IDisposable
{
    /// <summary>The realm of the digit bindings the controller puts on a supervisor's leg.</summary>
    public const string DigitRealm = "esl_supervision";

    /// <summary>The header a relayed key press carries.</summary>
    public const string DigitHeader = "ESL-Supervision-Digit";

    /// <summary>The custom event subclass used to switch a running eavesdrop.</summary>
    public const string ModeEventSubclass = "esl_supervision::mode";

    /// <summary>The events the controller subscribes to on its inbound connection.</summary>
    public static readonly IReadOnlyList<string> RequiredEvents =
    [
        "CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_PARK", "CHANNEL_UNPARK",
        "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY",
        "CHANNEL_APPLICATION", "BACKGROUND_JOB",
    ];

    private readonly IEslConnection _connection;
    private readonly ICallRegistry _registry;
    private readonly ISupervisionAuthorizer _authorizer;
    private readonly SupervisionSettings _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SupervisionTelemetry _telemetry;
    private readonly ConcurrentDictionary<string, SupervisionSession> _sessions = new(StringComparer.OrdinalIgnoreCase);
    private readonly AuditStream _audit;
    private readonly AuditSinkWriter[] _sinkWriters;
    private readonly List<IDisposable> _changeSubscriptions = [];
    private readonly object _auditGate = new();
    private readonly CancellationTokenSource _stop = new();
    private IDisposable? _stateSubscription;
    private int _disposed;

    /// <summary>Creates a controller over an inbound connection.</summary>
    /// <param name="connection">The inbound connection (connected before <see cref="StartAsync"/>); it also feeds <paramref name="registry"/>.</param>
    /// <param name="registry">The call registry (<see cref="CallRegistry"/>, or your own).</param>
    /// <param name="permissions">Who may supervise whom (<see cref="RingGroupPermissionProvider"/>, or your own); asked after the built-in guards, fail closed.</param>
    /// <param name="options">Service codes, digits, refusal tone.</param>
    /// <param name="timeProvider">Time for audit stamps, durations and the permission time-out.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="meterFactory">Metrics under DI.</param>
    /// <param name="auditSinks">Durable audit destinations, each fed by its own background writer (see <see cref="ISupervisionAuditSink"/>).</param>
    /// <param name="tenantPolicy">Whether supervision is on per tenant; <see cref="SupervisionOptions.Tenants"/> when <see langword="null"/>.</param>
    /// <remarks>
    /// A reload of <paramref name="options"/> that fails <see cref="SupervisionOptionsValidator"/> is not applied:
    /// the last valid settings stay in force (logged, counted, reported by the health check), and every reload
    /// that is applied re-checks the running supervisions.
    /// </remarks>
    public SupervisionController(
        IEslConnection connection,
        ICallRegistry registry,
        ISupervisionPermissionProvider permissions,
        IOptionsMonitor<SupervisionOptions> options,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        IEnumerable<ISupervisionAuditSink>? auditSinks = null,
        ITenantPolicy? tenantPolicy = null)
        : this(
            connection,
            registry,
            new SupervisionAuthorizer(
                permissions,
                registry,
                options,
                timeProvider,
                (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SupervisionAuthorizer>(),
                tenantPolicy),
            options,
            timeProvider,
            loggerFactory,
            meterFactory,
            auditSinks)
    {
    }

    /// <summary>Creates a controller with a given authorizer (DI and tests).</summary>
    /// <param name="connection">The inbound connection (connected before <see cref="StartAsync"/>); it also feeds <paramref name="registry"/>.</param>
    /// <param name="registry">The call registry.</param>
    /// <param name="authorizer">Decides who may supervise whom.</param>
    /// <param name="options">Service codes, digits, refusal tone.</param>
    /// <param name="timeProvider">Time for audit stamps and durations.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="meterFactory">Metrics under DI.</param>
    /// <param name="auditSinks">Durable audit destinations, each fed by its own background writer (see <see cref="ISupervisionAuditSink"/>).</param>
    /// <remarks>
    /// A reload of <paramref name="options"/> that fails <see cref="SupervisionOptionsValidator"/> is not applied:
    /// the last valid settings stay in force (logged, counted, reported by the health check), and every reload
    /// that is applied re-checks the running supervisions.
    /// </remarks>
    internal SupervisionController(
        IEslConnection connection,
        ICallRegistry registry,
        ISupervisionAuthorizer authorizer,
        IOptionsMonitor<SupervisionOptions> options,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        IEnumerable<ISupervisionAuditSink>? auditSinks = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(authorizer);
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _registry = registry;
        _authorizer = authorizer;
        ILoggerFactory factory = loggerFactory ?? NullLoggerFactory.Instance;
        _options = SupervisionSettings.For(options, factory.CreateLogger<SupervisionSettings>(), meterFactory);
        _time = timeProvider ?? TimeProvider.System;
        _logger = factory.CreateLogger<SupervisionController>();
        _telemetry = new SupervisionTelemetry(meterFactory);
        var auditTelemetry = new AuditTelemetry(meterFactory, _logger);
        int capacity = _options.CurrentValue.AuditQueueCapacity;
        _audit = new AuditStream(capacity, auditTelemetry);
        _sinkWriters = [.. (auditSinks ?? []).Where(s => s is not null).Distinct().Select(s => new AuditSinkWriter(s, capacity, _time, auditTelemetry))];
    }

    /// <summary>Why supervision is not fully healthy (settings invalid, audit sink failing); empty when it is.</summary>
    internal IReadOnlyList<string> HealthProblems
    {
        get
        {
            var problems = new List<string>(2);
            if (_options.InvalidKeys is { } keys)
            {
                problems.Add("settings invalid: " + string.Join(", ", keys));
            }

            if (_sinkWriters.Any(w => w.IsFailing))
            {
                problems.Add("audit sink failing");
            }

            return problems;
        }
    }

    /// <summary>Every supervision request, refusal, start, mode change and end, in order.</summary>
    /// <remarks>
    /// Delivered asynchronously: each subscriber has its own bounded queue (<see cref="SupervisionOptions.AuditQueueCapacity"/>)
    /// and its own delivery loop, so a subscriber that throws or blocks never changes or delays a decision and never
    /// affects another subscriber. An exception from a subscriber is logged (event 3050) and counted; that subscriber
    /// keeps receiving. A full queue drops new entries for that subscriber only (event 3051, <c>esl_supervision.audit.dropped</c>).
    /// For durable audit use <see cref="ISupervisionAuditSink"/>.
    /// </remarks>
    public IObservable<SupervisionAuditEvent> Audit => _audit;

    /// <summary>The supervisions this controller runs now (with replicas: this replica's; see <see cref="ListActiveSupervisionsAsync"/> for all).</summary>
    public IReadOnlyList<SupervisionInfo> ActiveSupervisions
    {
        get
        {
            string? replica = ReplicaId;
            return [.. _sessions.Values.Select(s => s.ToInfo()).OfType<SupervisionInfo>().Select(i => replica is null ? i : i with { Replica = replica })];
        }
    }

    /// <summary>
    /// Subscribes to the events it needs, learns the switch's current calls and adopts supervisions already
    /// running, then handles service-code calls. After every reconnect of the connection it resynchronises again.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Events are taken from the moment of subscribing, so nothing between the snapshot and now is lost.
        // A start retried after a failed one (the host's deferred start) keeps its reader: the registry is fed once.
        StartReading();
        await _connection.SubscribeAsync(RequiredEvents, [ModeEventSubclass], EslEventFormat.Plain, cancellationToken).ConfigureAwait(false);
        await ResyncAsync(cancellationToken).ConfigureAwait(false);
        _stateSubscription = _connection.StateChanges.Subscribe(OnStateChanged);
        SubscribeToPermissionChanges();
    }

    /// <summary>
    /// Runs a service-code call that the switch handed over with the <c>socket</c> application (outbound mode):
    /// <c>connect</c>, <c>myevents</c>, then the same decision and set-up as in inbound mode, on that connection.
    /// Returns when the switch closes it.
    /// </summary>
    /// <param name="session">The new outbound session.</param>
    /// <param name="cancellationToken">Stops handling.</param>
    public async Task HandleOutboundSessionAsync(EslOutboundSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        EslEvent channel = await session.ConnectAsync(cancellationToken).ConfigureAwait(false);
        string? legId = channel.UniqueId;
        if (!EslIdentifiers.IsChannelUuid(legId) || !await IsVouchedForAsync(channel, legId!, cancellationToken).ConfigureAwait(false))
        {
            ControllerLog.OutboundNotVouched(_logger);
            return;
        }

        var supervision = new SupervisionSession(legId!, session, outbound: true, _time.GetUtcNow(), OnWorkFailed);
        if (!_sessions.TryAdd(legId!, supervision))
        {
            supervision.Close();
            return;
        }

        using IDisposable events = session.Events.Subscribe(e => RouteSessionEvent(supervision, e));
        await session.MyEventsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await session.LingerAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        await session.SubscribeAsync(["CHANNEL_APPLICATION"], [ModeEventSubclass], cancellationToken: cancellationToken).ConfigureAwait(false);
        supervision.Post(() => BeginAsync(supervision, channel));
        await session.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        supervision.Post(() => FinishAsync(supervision, SupervisionEndReason.SupervisorHungUp, hangUp: false));
        supervision.Close();
        await supervision.Completion.ConfigureAwait(false);
    }

    /// <summary>Switches a running supervision to another mode, after checking the supervisor may use it.</summary>
    /// <param name="supervisorLegId">The supervisor's leg.</param>
    /// <param name="mode">The new mode.</param>
    /// <param name="cancellationToken">Cancels waiting for the decision.</param>
    /// <returns>
    /// Allowed if the mode is now in effect; otherwise the reason it is not. With replicas, a supervision another
    /// replica runs is <see cref="DenialReason.RunByAnotherReplica"/> (the detail names it): only that replica acts on it.
    /// </returns>
    public Task<PermissionDecision> SwitchModeAsync(string supervisorLegId, SupervisionMode mode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(supervisorLegId);
        if (!TryFindSession(supervisorLegId, out SupervisionSession? session, runningOnly: false) || session is null)
        {
            return NotRunHereAsync(supervisorLegId, cancellationToken);
        }

        return session.Invoke(() => SwitchAsync(session, mode, SupervisionTrigger.Api, digit: null, cancellationToken)).WaitAsync(cancellationToken);
    }

    /// <summary>Ends a running supervision by hanging the supervisor's leg up.</summary>
    /// <param name="supervisorLegId">The supervisor's leg.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>
    /// <see langword="true"/> if a supervision was ended; <see langword="false"/> when this controller runs none on
    /// that leg, also when another replica runs it (<see cref="SupervisionInfo.Replica"/> says which; only it ends it).
    /// </returns>
    public Task<bool> EndAsync(string supervisorLegId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(supervisorLegId);
        if (!TryFindSession(supervisorLegId, out SupervisionSession? session, runningOnly: false) || session is null)
        {
            return Task.FromResult(false);
        }

        return session.Invoke(async () =>
        {
            if (session.IsEnded)
            {
                return false;
            }

            await FinishAsync(session, SupervisionEndReason.EndedByApi, hangUp: true).ConfigureAwait(false);
            return true;
        }).WaitAsync(cancellationToken);
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
    /// Stops handling events; running supervisions keep running in the switch and are adopted by the next controller.
    /// Safe to call more than once (a host disposes it on stop and again with its container).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        StopCoordination();
        foreach (IDisposable subscription in _changeSubscriptions)
        {
            subscription.Dispose();
        }

        await StopReadingAsync().ConfigureAwait(false);
        _stateSubscription?.Dispose();
        foreach (SupervisionSession session in _sessions.Values)
        {
            session.Close();
        }

        await Task.WhenAll(_sessions.Values.Select(s => s.Completion)).ConfigureAwait(false);
        lock (_auditGate)
        {
            _audit.Complete();
        }

        await Task.WhenAll(_sinkWriters.Select(w => w.StopAsync())).ConfigureAwait(false);
        _resyncGate.Dispose();
        _stop.Dispose();
    }
}
