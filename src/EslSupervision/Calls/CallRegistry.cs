using System.Collections.Immutable;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EslSupervision.Calls;

/// <summary>
/// The live call registry: every channel of the switch with its state, bridge partner, agent identity and
/// supervision, fed from channel events (<see cref="Apply"/>) and re-read from the switch after every
/// (re)connect (<see cref="ResyncAsync"/>).
/// </summary>
/// <remarks>
/// Events are applied by one writer at a time; reads (<see cref="GetSnapshot"/>, <see cref="GetLeg"/>,
/// <see cref="FindActiveAgentLeg"/>) are lock-free from any thread and see a consistent state. Only a few fields
/// are kept per channel (never the events themselves). Applying an event never runs a <see cref="Changes"/>
/// subscriber: each has its own bounded queue and delivery loop (see <see cref="Changes"/>).
/// </remarks>
public sealed partial class CallRegistry : ICallRegistry, IDisposable
{
    private readonly object _gate = new();
    private readonly ChangeFeed _changes;
    private readonly IAgentLegRule _rule;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StringPool _pool = new();
    private volatile ImmutableDictionary<string, CallLeg> _legs = ImmutableDictionary.Create<string, CallLeg>(StringComparer.Ordinal);
    private readonly AgentLegIndex _agentIndex = new();
    private List<EslEvent>? _resyncBuffer;
    private bool _disposed;

    /// <summary>Creates an empty registry that recognises agents' legs the way FreeSWITCH 1.10 marks them.</summary>
    /// <param name="timeProvider">The clock for events without a timestamp; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">The logger.</param>
    public CallRegistry(TimeProvider? timeProvider = null, ILogger<CallRegistry>? logger = null)
        : this(DefaultAgentLegRule.Instance, timeProvider, logger)
    {
    }

    /// <summary>Creates an empty registry that recognises agents' legs by a rule of your own.</summary>
    /// <param name="rule">How to recognise an agent's own leg, e.g. a rule for a PBX whose agent legs are not <c>user/EXT@DOMAIN</c> bridges.</param>
    /// <param name="timeProvider">The clock for events without a timestamp; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">The logger.</param>
    public CallRegistry(IAgentLegRule rule, TimeProvider? timeProvider = null, ILogger<CallRegistry>? logger = null)
        : this(rule, ChangeFeed.DefaultCapacity, timeProvider, logger)
    {
    }

    /// <summary>Creates an empty registry whose <see cref="Changes"/> subscribers may each have <paramref name="changeCapacity"/> changes waiting.</summary>
    internal CallRegistry(IAgentLegRule rule, int changeCapacity, TimeProvider? timeProvider, ILogger<CallRegistry>? logger)
    {
        ArgumentNullException.ThrowIfNull(rule);
        _rule = rule;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _changes = new ChangeFeed(_gate, () => _legs, changeCapacity, _timeProvider, _logger);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Each subscriber is notified on its own delivery loop (a thread-pool thread), never on the thread that applies
    /// events, so a subscriber can neither delay the registry nor the controller's connection, and a slow one delays
    /// only itself (a blocked one holds one thread-pool thread while it blocks). A subscriber with more than 4,096 changes waiting loses them and is caught up instead: it gets
    /// the differences between the last state it was told about and the registry's state at that moment, as
    /// ordinary changes (created, ended, bridged, ..., as after a reconnect's resync), and the loss is logged (event
    /// id 2008) and counted (<c>esl_supervision.registry.changes_lost</c>). Its view is then right again, reached in
    /// fewer steps. The registry's own queries are always current, so a notification may describe a state that
    /// has already moved on.
    /// </remarks>
    public IObservable<CallChange> Changes => _changes;

    /// <summary>True if this registry runs no application code when it applies an event (the built-in agent-leg rule).</summary>
    internal bool RunsOnlyLibraryCode => _rule is DefaultAgentLegRule;

    /// <summary>Completes once every <see cref="Changes"/> subscriber has been handed every change applied so far (tests, shutdown).</summary>
    internal Task WhenChangesDeliveredAsync() => _changes.WhenDeliveredAsync();

    /// <summary>The number of tracked legs.</summary>
    public int Count => _legs.Count;

    /// <inheritdoc/>
    public CallRegistrySnapshot GetSnapshot() => new(_legs.Values.ToList(), _timeProvider.GetUtcNow());

    /// <inheritdoc/>
    public CallLeg? GetLeg(string uniqueId)
    {
        ArgumentNullException.ThrowIfNull(uniqueId);
        return _legs.TryGetValue(uniqueId, out CallLeg? leg) ? leg : null;
    }

    /// <inheritdoc/>
    public CallLeg? FindActiveAgentLeg(string tenant, string extension)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(extension);

        // The index holds every leg ever seen with this identity (a superset); the current legs decide.
        string[] candidates = _agentIndex.Candidates(tenant, extension);
        ImmutableDictionary<string, CallLeg> legs = _legs;
        CallLeg? best = null;
        foreach (string id in candidates)
        {
            if (legs.TryGetValue(id, out CallLeg? leg)
                && leg.State == CallLegState.Bridged
                && leg.Supervising is null
                && leg.Agent is { } agent
                && string.Equals(agent.Extension, extension, StringComparison.Ordinal)
                && string.Equals(agent.Tenant, tenant, StringComparison.OrdinalIgnoreCase)
                && (best is null || (leg.BridgedAt ?? leg.StateSince) > (best.BridgedAt ?? best.StateSince)))
            {
                best = leg;
            }
        }

        return best;
    }

    /// <summary>The authenticated user (<c>user_name</c>@<c>domain_name</c>) of a leg, or <see langword="null"/>; never caller ID.</summary>
    /// <param name="uniqueId">The leg's UUID.</param>
    public UserIdentity? GetAuthenticatedUser(string uniqueId) => GetLeg(uniqueId)?.AuthenticatedUser;

    /// <summary>
    /// Applies one event. Channel events (<c>CHANNEL_CREATE</c>, <c>_ANSWER</c>, <c>_BRIDGE</c>, <c>_UNBRIDGE</c>,
    /// <c>_PARK</c>, <c>_UNPARK</c>, <c>_EXECUTE</c>/<c>_EXECUTE_COMPLETE</c> of <c>eavesdrop</c>, <c>_HANGUP</c>,
    /// <c>_HANGUP_COMPLETE</c>, <c>_DESTROY</c>) update the registry; others are ignored. A channel never seen
    /// before is created from the event's own headers. Call from one thread at a time.
    /// </summary>
    /// <param name="channelEvent">The event.</param>
    public void Apply(EslEvent channelEvent)
    {
        ArgumentNullException.ThrowIfNull(channelEvent);
        if (channelEvent.UniqueId is not { Length: > 0 } || !IsTracked(channelEvent.EventName))
        {
            return;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_resyncBuffer is not null)
            {
                // Replayed after the resync, long after the connection's read loop lent it to us.
                channelEvent.TakeOwnership();
                _resyncBuffer.Add(channelEvent);
            }

            var changes = new List<CallChange>(2);
            ImmutableDictionary<string, CallLeg> before = _legs;
            _legs = ApplyCore(before, channelEvent, changes);
            _agentIndex.Update(before, _legs, channelEvent.UniqueId, changes);
            _changes.Publish(changes, _legs);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _changes.Complete();
        }
    }

    private static bool IsTracked(string eventName) => eventName is "CHANNEL_CREATE" or "CHANNEL_ANSWER" or "CHANNEL_BRIDGE"
        or "CHANNEL_UNBRIDGE" or "CHANNEL_PARK" or "CHANNEL_UNPARK" or "CHANNEL_EXECUTE" or "CHANNEL_EXECUTE_COMPLETE"
        or "CHANNEL_HANGUP" or "CHANNEL_HANGUP_COMPLETE" or "CHANNEL_DESTROY";

    private ImmutableDictionary<string, CallLeg> ApplyCore(ImmutableDictionary<string, CallLeg> legs, EslEvent e, List<CallChange> changes)
    {
        string uuid = e.UniqueId!;
        DateTimeOffset at = EventFacts.Microseconds(e["Event-Date-Timestamp"]) ?? _timeProvider.GetUtcNow();
        legs.TryGetValue(uuid, out CallLeg? existing);

        switch (e.EventName)
        {
            case "CHANNEL_DESTROY":
                if (existing is null)
                {
                    return legs;
                }

                if (existing.State != CallLegState.Ended)
                {
                    legs = End(legs, existing, at, changes);
                }

                LogChannelRemoved(_logger, uuid);
                return legs.Remove(uuid);

            case "CHANNEL_HANGUP":
            case "CHANNEL_HANGUP_COMPLETE":
                if (existing is null || existing.State == CallLegState.Ended)
                {
                    return legs;
                }

                return End(legs, Update(existing, e), at, changes);
        }

        CallLeg leg = existing is null ? CreateFromEvent(uuid, e, at, changes) : Update(existing, e);
        if (existing is not null && (leg.Agent != existing.Agent || leg.AuthenticatedUser != existing.AuthenticatedUser))
        {
            changes.Add(new CallChange(CallChangeKind.ChannelUpdated, leg, at));
        }

        if (leg.State == CallLegState.Ended)
        {
            return legs.SetItem(uuid, leg);
        }

        switch (e.EventName)
        {
            case "CHANNEL_ANSWER":
                if (leg.AnsweredAt is null)
                {
                    leg = leg with { AnsweredAt = at };
                    if (leg.State == CallLegState.Created)
                    {
                        leg = leg with { State = CallLegState.Answered, StateSince = at };
                    }

                    changes.Add(new CallChange(CallChangeKind.ChannelAnswered, leg, at));
                }

                break;

            case "CHANNEL_PARK":
                if (leg.State is CallLegState.Created or CallLegState.Answered)
                {
                    leg = leg with { State = CallLegState.Parked, StateSince = at };
                    changes.Add(new CallChange(CallChangeKind.ChannelParked, leg, at));
                }

                break;

            case "CHANNEL_UNPARK":
                if (leg.State == CallLegState.Parked)
                {
                    leg = leg with { State = leg.AnsweredAt is null ? CallLegState.Created : CallLegState.Answered, StateSince = at };
                    changes.Add(new CallChange(CallChangeKind.ChannelUnparked, leg, at));
                }

                break;

            case "CHANNEL_BRIDGE":
                return Bridge(legs, leg, e, at, changes);

            case "CHANNEL_UNBRIDGE":
                legs = legs.SetItem(uuid, leg);
                string? other = e["Bridge-B-Unique-ID"] is { } b && b != uuid ? b : e["Bridge-A-Unique-ID"] is { } a && a != uuid ? a : leg.BridgedTo;
                legs = Unbridge(legs, uuid, at, changes);
                return other is null ? legs : Unbridge(legs, other, at, changes);

            case "CHANNEL_EXECUTE" when IsEavesdrop(e) && e["Application-Data"] is { Length: > 0 } target:
                leg = leg with { Supervising = new LegSupervision(target, at, EventFacts.Mode(e.GetVariable("esl_supervision_mode"))) };
                changes.Add(new CallChange(CallChangeKind.SupervisionStarted, leg, at));
                LogSupervisionStarted(_logger, uuid, target);
                break;

            case "CHANNEL_EXECUTE_COMPLETE" when IsEavesdrop(e) && leg.Supervising is not null:
                changes.Add(new CallChange(CallChangeKind.SupervisionEnded, leg, at));
                leg = leg with { Supervising = null };
                LogSupervisionEnded(_logger, uuid);
                break;
        }

        if (leg.Supervising is { } s && EventFacts.Mode(e.GetVariable("esl_supervision_mode")) is { } mode && mode != s.Mode)
        {
            leg = leg with { Supervising = s with { Mode = mode } };
            changes.Add(new CallChange(CallChangeKind.ChannelUpdated, leg, at));
        }

        return legs.SetItem(uuid, leg);
    }

    private static bool IsEavesdrop(EslEvent e) => string.Equals(e["Application"], "eavesdrop", StringComparison.Ordinal);

    private CallLeg CreateFromEvent(string uuid, EslEvent e, DateTimeOffset at, List<CallChange> changes)
    {
        AgentLegFacts facts = EventFacts.Merge(AgentLegFacts.Empty, e, _pool);
        DateTimeOffset created = EventFacts.Microseconds(e["Caller-Channel-Created-Time"]) ?? at;
        DateTimeOffset? answered = EventFacts.Microseconds(e["Caller-Channel-Answered-Time"]);
        CallLegState state = answered is null ? CallLegState.Created : CallLegState.Answered;
        var leg = new CallLeg
        {
            UniqueId = uuid,
            Direction = facts.Direction,
            State = state,
            StateSince = answered ?? created,
            CreatedAt = created,
            AnsweredAt = answered,
            Facts = facts,
            Agent = IdentifyAgent(facts),
            AuthenticatedUser = EventFacts.AuthenticatedUser(facts),
            PartyNumber = PartyNumberOf(facts.Direction, e),
        };
        changes.Add(new CallChange(CallChangeKind.ChannelCreated, leg, at));
        LogChannelAdded(_logger, uuid, e.EventName);
        return leg;
    }

    private CallLeg Update(CallLeg leg, EslEvent e)
    {
        AgentLegFacts facts = EventFacts.Merge(leg.Facts, e, _pool);
        string? number = PartyNumberOf(facts.Direction, e) ?? leg.PartyNumber;
        if (ReferenceEquals(facts, leg.Facts))
        {
            return string.Equals(number, leg.PartyNumber, StringComparison.Ordinal) ? leg : leg with { PartyNumber = number };
        }

        return leg with
        {
            PartyNumber = number,
            Facts = facts,
            Direction = facts.Direction,
            Agent = Same(leg.Agent, IdentifyAgent(facts)),
            AuthenticatedUser = Same(leg.AuthenticatedUser, EventFacts.AuthenticatedUser(facts)),
        };
    }

    private static string? PartyNumberOf(CallDirection direction, EslEvent e)
        => EventFacts.PartyNumber(direction, e["Caller-Caller-ID-Number"], e["Caller-Destination-Number"]);

    private static UserIdentity? Same(UserIdentity? old, UserIdentity? now) => old == now ? old : now;

    /// <summary>
    /// The rule's answer, fail closed: the rule may be the application's own, so an exception or an identity that
    /// could not safely reach a command argument makes the leg nobody's instead of breaking the registry.
    /// </summary>
    private UserIdentity? IdentifyAgent(AgentLegFacts facts)
    {
        UserIdentity? agent;
        try
        {
            agent = _rule.Identify(facts);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRuleFailed(_logger, _rule.GetType().Name, ex);
            return null;
        }

        if (agent is null || TextRules.IsSafeIdentity(agent))
        {
            return agent;
        }

        LogRuleIdentityRejected(_logger, _rule.GetType().Name);
        return null;
    }

    private ImmutableDictionary<string, CallLeg> Bridge(ImmutableDictionary<string, CallLeg> legs, CallLeg eventLeg, EslEvent e, DateTimeOffset at, List<CallChange> changes)
    {
        legs = legs.SetItem(eventLeg.UniqueId, eventLeg);
        string aId = e["Bridge-A-Unique-ID"] ?? eventLeg.UniqueId;
        string? bId = e["Bridge-B-Unique-ID"] ?? e["Other-Leg-Unique-ID"];
        if (bId is null || bId == aId)
        {
            return legs;
        }

        if (!legs.TryGetValue(aId, out CallLeg? a))
        {
            a = NewBareLeg(aId, at, changes);
        }

        if (!legs.TryGetValue(bId, out CallLeg? b))
        {
            b = NewBareLeg(bId, at, changes);
        }

        // Reuse each leg's own UUID instance as the partner's reference: one string per UUID.
        a = a with { State = CallLegState.Bridged, StateSince = at, BridgedAt = at, BridgedTo = b.UniqueId };
        b = b with { State = CallLegState.Bridged, StateSince = at, BridgedAt = at, BridgedTo = a.UniqueId };
        changes.Add(new CallChange(CallChangeKind.ChannelBridged, a, at));
        changes.Add(new CallChange(CallChangeKind.ChannelBridged, b, at));
        LogBridged(_logger, a.UniqueId, b.UniqueId);
        return legs.SetItem(a.UniqueId, a).SetItem(b.UniqueId, b);
    }

    private static CallLeg NewBareLeg(string uuid, DateTimeOffset at, List<CallChange> changes)
    {
        var leg = new CallLeg { UniqueId = uuid, CreatedAt = at, StateSince = at };
        changes.Add(new CallChange(CallChangeKind.ChannelCreated, leg, at));
        return leg;
    }

    private static ImmutableDictionary<string, CallLeg> Unbridge(ImmutableDictionary<string, CallLeg> legs, string uuid, DateTimeOffset at, List<CallChange> changes)
    {
        if (!legs.TryGetValue(uuid, out CallLeg? leg) || leg.BridgedTo is null)
        {
            return legs;
        }

        CallLegState state = leg.State == CallLegState.Bridged
            ? (leg.AnsweredAt is null ? CallLegState.Created : CallLegState.Answered)
            : leg.State;
        leg = leg with { State = state, StateSince = state == leg.State ? leg.StateSince : at, BridgedTo = null, BridgedAt = null };
        changes.Add(new CallChange(CallChangeKind.ChannelUnbridged, leg, at));
        return legs.SetItem(uuid, leg);
    }

    private ImmutableDictionary<string, CallLeg> End(ImmutableDictionary<string, CallLeg> legs, CallLeg leg, DateTimeOffset at, List<CallChange> changes)
    {
        string? partner = leg.BridgedTo;
        legs = legs.SetItem(leg.UniqueId, leg);
        legs = Unbridge(legs, leg.UniqueId, at, changes);
        if (partner is not null)
        {
            legs = Unbridge(legs, partner, at, changes);
        }

        leg = legs[leg.UniqueId];
        if (leg.Supervising is not null)
        {
            changes.Add(new CallChange(CallChangeKind.SupervisionEnded, leg, at));
            leg = leg with { Supervising = null };
            LogSupervisionEnded(_logger, leg.UniqueId);
        }

        leg = leg with { State = CallLegState.Ended, StateSince = at };
        changes.Add(new CallChange(CallChangeKind.ChannelEnded, leg, at));
        return legs.SetItem(leg.UniqueId, leg);
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Debug, Message = "Tracking channel {UniqueId} (first seen in {EventName})")]
    private static partial void LogChannelAdded(ILogger logger, string uniqueId, string eventName);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Channel {UniqueId} destroyed")]
    private static partial void LogChannelRemoved(ILogger logger, string uniqueId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Channels {ALeg} and {BLeg} bridged")]
    private static partial void LogBridged(ILogger logger, string aLeg, string bLeg);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Leg {SupervisorLeg} started eavesdropping on {TargetLeg}")]
    private static partial void LogSupervisionStarted(ILogger logger, string supervisorLeg, string targetLeg);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Leg {SupervisorLeg} stopped eavesdropping")]
    private static partial void LogSupervisionEnded(ILogger logger, string supervisorLeg);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "The agent-leg rule {Rule} threw; the leg is treated as nobody's")]
    private static partial void LogRuleFailed(ILogger logger, string rule, Exception exception);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "The agent-leg rule {Rule} returned an identity with characters that are not allowed; the leg is treated as nobody's")]
    private static partial void LogRuleIdentityRejected(ILogger logger, string rule);
}
