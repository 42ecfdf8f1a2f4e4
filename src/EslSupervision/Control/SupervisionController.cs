using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
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
/// </remarks>
public sealed partial class SupervisionController : IAsyncDisposable
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
    private readonly CallRegistry _registry;
    private readonly SupervisionAuthorizer _authorizer;
    private readonly IOptionsMonitor<SupervisionOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SupervisionTelemetry _telemetry;
    private readonly ConcurrentDictionary<string, SupervisionSession> _sessions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Subject<SupervisionAuditEvent> _audit = new();
    private readonly object _auditGate = new();
    private readonly SemaphoreSlim _resyncGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private IDisposable? _stateSubscription;
    private bool _seenDisconnect;
    private int _disposed;

    /// <summary>Creates a controller over an inbound connection.</summary>
    /// <param name="connection">The inbound connection (connected before <see cref="StartAsync"/>); it also feeds <paramref name="registry"/>.</param>
    /// <param name="registry">The call registry.</param>
    /// <param name="authorizer">Decides who may supervise whom.</param>
    /// <param name="options">Service codes, digits, refusal tone.</param>
    /// <param name="timeProvider">Time for audit stamps and durations.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="meterFactory">Metrics under DI.</param>
    public SupervisionController(
        IEslConnection connection,
        CallRegistry registry,
        SupervisionAuthorizer authorizer,
        IOptionsMonitor<SupervisionOptions> options,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(authorizer);
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _registry = registry;
        _authorizer = authorizer;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SupervisionController>();
        _telemetry = new SupervisionTelemetry(meterFactory);
    }

    /// <summary>Every supervision request, refusal, start, mode change and end, in order.</summary>
    public IObservable<SupervisionAuditEvent> Audit => _audit.AsObservable();

    /// <summary>The supervisions running now.</summary>
    public IReadOnlyList<SupervisionInfo> ActiveSupervisions
        => _sessions.Values.Select(s => s.ToInfo()).OfType<SupervisionInfo>().ToList();

    /// <summary>
    /// Subscribes to the events it needs, learns the switch's current calls and adopts supervisions already
    /// running, then handles service-code calls. After every reconnect of the connection it resynchronises again.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Events are taken from the moment of subscribing, so nothing between the snapshot and now is lost.
        StartReading();
        await _connection.SubscribeAsync(RequiredEvents, [ModeEventSubclass], EslEventFormat.Plain, cancellationToken).ConfigureAwait(false);
        await ResyncAsync(cancellationToken).ConfigureAwait(false);
        _stateSubscription = _connection.StateChanges.Subscribe(OnStateChanged);
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
        if (!EslIdentifiers.IsChannelUuid(legId))
        {
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
    /// <returns>Allowed if the mode is now in effect; otherwise the reason it is not.</returns>
    public Task<PermissionDecision> SwitchModeAsync(string supervisorLegId, SupervisionMode mode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(supervisorLegId);
        if (!_sessions.TryGetValue(supervisorLegId, out SupervisionSession? session))
        {
            return Task.FromResult(PermissionDecision.Deny(DenialReason.NoSuchSupervision, "No supervision runs on that leg."));
        }

        return session.Invoke(() => SwitchAsync(session, mode, SupervisionTrigger.Api, digit: null, cancellationToken)).WaitAsync(cancellationToken);
    }

    /// <summary>Ends a running supervision by hanging the supervisor's leg up.</summary>
    /// <param name="supervisorLegId">The supervisor's leg.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns><see langword="true"/> if a supervision was ended.</returns>
    public Task<bool> EndAsync(string supervisorLegId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(supervisorLegId);
        if (!_sessions.TryGetValue(supervisorLegId, out SupervisionSession? session))
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
        await StopReadingAsync().ConfigureAwait(false);
        _stateSubscription?.Dispose();
        foreach (SupervisionSession session in _sessions.Values)
        {
            session.Close();
        }

        await Task.WhenAll(_sessions.Values.Select(s => s.Completion)).ConfigureAwait(false);
        lock (_auditGate)
        {
            _audit.OnCompleted();
        }

        _audit.Dispose();
        _resyncGate.Dispose();
        _stop.Dispose();
    }
}
