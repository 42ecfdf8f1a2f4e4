using System.Collections.Immutable;
using System.Text.Json;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Calls;

/// <summary>What part of a resync failed.</summary>
/// <remarks>Public because it is <see cref="CallRegistryResyncException.Failure"/>.</remarks>
public enum ResyncFailure
{
    /// <summary>The switch refused a command (e.g. <c>-ERR</c>).</summary>
    CommandFailed,

    /// <summary><c>show channels as json</c> did not return the expected JSON.</summary>
    MalformedChannelList,

    /// <summary><c>show calls as json</c> did not return the expected JSON.</summary>
    MalformedCallList,

    /// <summary>Another resync is already running.</summary>
    AlreadyRunning,
}

/// <summary>A resync could not read the switch's state; the registry keeps its previous state.</summary>
/// <remarks>Public because <see cref="ICallRegistry.ResyncAsync"/> throws it (and a registry of your own may too).</remarks>
public sealed class CallRegistryResyncException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="failure">What failed.</param>
    /// <param name="message">A description (never the switch's raw output).</param>
    /// <param name="innerException">The cause, if any.</param>
    public CallRegistryResyncException(ResyncFailure failure, string message, Exception? innerException = null)
        : base(message, innerException) => Failure = failure;

    /// <summary>What failed.</summary>
    public ResyncFailure Failure { get; }
}

/// <summary>The outcome of a resync.</summary>
/// <param name="Channels">The channels the registry now tracks.</param>
/// <param name="Dropped">Tracked channels the switch no longer has (ended while disconnected).</param>
/// <param name="Vanished">Channels listed but gone before their <c>uuid_dump</c> (<c>-ERR No such channel!</c>).</param>
/// <param name="DumpFailures">Channels whose <c>uuid_dump</c> failed or was malformed; tracked without identity.</param>
/// <remarks>Public because <see cref="ICallRegistry.ResyncAsync"/> returns it.</remarks>
public sealed record CallRegistryResyncResult(int Channels, int Dropped, int Vanished, int DumpFailures);

/// <content>Resync from the switch's own view.</content>
/// <remarks>Public because it is the default <see cref="ICallRegistry"/> and, without DI, the one created with <c>new</c>.</remarks>
public sealed partial class CallRegistry
{
    /// <summary>The most <c>uuid_dump</c> commands in flight at once during a resync.</summary>
    private const int MaxConcurrentDumps = 8;

    /// <summary>
    /// Replaces the registry's state with what the switch reports: <c>api show channels as json</c> (channels,
    /// running applications such as <c>eavesdrop</c>), <c>api show calls as json</c> (bridged pairs) and
    /// <c>api uuid_dump &lt;uuid&gt; json</c> per channel (identity variables and stored <c>esl_supervision_*</c>
    /// state), a bounded number at a time. Channels that vanish meanwhile are skipped. The new state replaces
    /// the old one atomically, with change notifications for the differences; events applied while the resync
    /// ran are applied again on top. Call it after every (re)connect, once events are subscribed.
    /// </summary>
    /// <param name="connection">The connection to read from.</param>
    /// <param name="cancellationToken">Stops the resync; the previous state is kept.</param>
    /// <exception cref="CallRegistryResyncException">The channel or call list could not be read; the previous state is kept.</exception>
    public async Task<CallRegistryResyncResult> ResyncAsync(IEslConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_resyncBuffer is not null)
            {
                throw new CallRegistryResyncException(ResyncFailure.AlreadyRunning, "A resync is already running.");
            }

            _resyncBuffer = [];
        }

        try
        {
            EslApiResponse channelList = await connection.ApiAsync("show", "channels as json", cancellationToken).ConfigureAwait(false);
            List<ChannelRow> rows = ParseChannels(channelList);
            EslApiResponse callList = await connection.ApiAsync("show", "calls as json", cancellationToken).ConfigureAwait(false);
            Dictionary<string, string> partners = ParseCalls(callList);

            using var throttle = new SemaphoreSlim(MaxConcurrentDumps);
            DumpOutcome[] dumps = await Task.WhenAll(rows.Select(row => DumpAsync(connection, row, throttle, cancellationToken))).ConfigureAwait(false);

            DateTimeOffset now = _timeProvider.GetUtcNow();
            var builder = ImmutableDictionary.CreateBuilder<string, CallLeg>(StringComparer.Ordinal);
            int vanished = 0;
            int failures = 0;
            for (int i = 0; i < rows.Count; i++)
            {
                switch (dumps[i].Kind)
                {
                    case DumpKind.Vanished:
                        vanished++;
                        continue;
                    case DumpKind.Failed:
                        failures++;
                        break;
                }

                CallLeg leg = BuildLeg(rows[i], dumps[i].Variables, partners, now);
                builder[leg.UniqueId] = leg;
            }

            // Partners must both exist to count as bridged.
            foreach (CallLeg leg in builder.Values.ToList())
            {
                if (leg.BridgedTo is { } partner && !builder.ContainsKey(partner))
                {
                    builder[leg.UniqueId] = leg with
                    {
                        State = leg.AnsweredAt is null ? CallLegState.Created : CallLegState.Answered,
                        BridgedTo = null,
                        BridgedAt = null,
                    };
                }
            }

            ImmutableDictionary<string, CallLeg> fresh = builder.ToImmutable();
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var changes = new List<CallChange>();
                fresh = KeepKnownNumbers(_legs, fresh);
                int dropped = Diff(_legs, fresh, now, changes);
                ImmutableDictionary<string, CallLeg> state = fresh;
                foreach (EslEvent replay in _resyncBuffer!)
                {
                    state = ApplyCore(state, replay, changes);
                }

                _legs = state;
                _agentIndex.Rebuild(state);
                _resyncBuffer = null;
                _changes.Publish(changes, state);
                LogResynced(_logger, state.Count, dropped, vanished, failures);
                return new CallRegistryResyncResult(state.Count, dropped, vanished, failures);
            }
        }
        finally
        {
            lock (_gate)
            {
                _resyncBuffer = null;
            }
        }
    }

    private async Task<DumpOutcome> DumpAsync(IEslConnection connection, ChannelRow row, SemaphoreSlim throttle, CancellationToken cancellationToken)
    {
        await throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EslApiResponse response = await connection.ApiAsync("uuid_dump", row.UniqueId + " json", cancellationToken).ConfigureAwait(false);
            if (response.IsError)
            {
                if (response.Body.Contains("No such channel", StringComparison.OrdinalIgnoreCase))
                {
                    return new DumpOutcome(DumpKind.Vanished, null);
                }

                LogDumpFailed(_logger, row.UniqueId);
                return new DumpOutcome(DumpKind.Failed, null);
            }

            using JsonDocument doc = JsonDocument.Parse(response.Body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                LogDumpFailed(_logger, row.UniqueId);
                return new DumpOutcome(DumpKind.Failed, null);
            }

            var headers = new List<KeyValuePair<string, string>>();
            foreach (JsonProperty property in doc.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String)
                {
                    headers.Add(new KeyValuePair<string, string>(property.Name, property.Value.GetString()!));
                }
            }

            return new DumpOutcome(DumpKind.Ok, EslEvent.Create(headers));
        }
        catch (JsonException)
        {
            LogDumpFailed(_logger, row.UniqueId);
            return new DumpOutcome(DumpKind.Failed, null);
        }
        catch (EslCommandException)
        {
            LogDumpFailed(_logger, row.UniqueId);
            return new DumpOutcome(DumpKind.Failed, null);
        }
        finally
        {
            throttle.Release();
        }
    }

    private CallLeg BuildLeg(ChannelRow row, EslEvent? dump, Dictionary<string, string> partners, DateTimeOffset now)
    {
        AgentLegFacts facts = dump is null
            ? new AgentLegFacts { Direction = EventFacts.Direction(row.Direction) }
            : EventFacts.Merge(new AgentLegFacts { Direction = EventFacts.Direction(row.Direction) }, dump, _pool);
        DateTimeOffset created = EventFacts.Microseconds(dump?["Caller-Channel-Created-Time"])
            ?? (long.TryParse(row.CreatedEpoch, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long epoch) && epoch > 0 && epoch < 253402300799
                ? DateTimeOffset.FromUnixTimeSeconds(epoch)
                : now);
        DateTimeOffset? answered = EventFacts.Microseconds(dump?["Caller-Channel-Answered-Time"]);
        if (answered is null && (string.Equals(dump?["Answer-State"], "answered", StringComparison.Ordinal) || row.CallState is "ACTIVE" or "HELD"))
        {
            answered = created;
        }

        var leg = new CallLeg
        {
            UniqueId = row.UniqueId,
            Direction = facts.Direction,
            CreatedAt = created,
            AnsweredAt = answered,
            State = answered is null ? CallLegState.Created : CallLegState.Answered,
            StateSince = answered ?? created,
            Facts = facts,
            Agent = IdentifyAgent(facts),
            AuthenticatedUser = EventFacts.AuthenticatedUser(facts),

            // The dump's Caller-* headers when there is one; the channel list's own columns otherwise (the client's
            // leg of a call found at start or after a reconnect would else show no number until it ends).
            PartyNumber = EventFacts.PartyNumber(facts.Direction, dump?["Caller-Caller-ID-Number"], dump?["Caller-Destination-Number"])
                ?? EventFacts.PartyNumber(facts.Direction, row.CallerIdNumber, row.Destination),
        };

        if (partners.TryGetValue(row.UniqueId, out string? partner))
        {
            DateTimeOffset bridged = EventFacts.Microseconds(dump?["Caller-Channel-Bridged-Time"]) ?? leg.StateSince;
            leg = leg with { State = CallLegState.Bridged, StateSince = bridged, BridgedAt = bridged, BridgedTo = partner };
        }
        else if (string.Equals(row.Application, "park", StringComparison.Ordinal))
        {
            leg = leg with { State = CallLegState.Parked };
        }

        if (string.Equals(row.Application, "eavesdrop", StringComparison.Ordinal) && row.ApplicationData is { } target)
        {
            leg = leg with { Supervising = new LegSupervision(target, leg.StateSince, EventFacts.Mode(dump?.GetVariable("esl_supervision_mode"))) };
        }

        return leg;
    }

    /// <summary>
    /// A channel the switch still has but whose number neither its dump nor its row reports (an unreadable dump, a
    /// leg without caller ID columns) keeps the number learned from its events: a reconnect must not blank it.
    /// </summary>
    private static ImmutableDictionary<string, CallLeg> KeepKnownNumbers(ImmutableDictionary<string, CallLeg> old, ImmutableDictionary<string, CallLeg> fresh)
    {
        ImmutableDictionary<string, CallLeg>.Builder? builder = null;
        foreach (CallLeg leg in fresh.Values)
        {
            if (leg.PartyNumber is null && old.TryGetValue(leg.UniqueId, out CallLeg? before) && before.PartyNumber is { } known)
            {
                builder ??= fresh.ToBuilder();
                builder[leg.UniqueId] = leg with { PartyNumber = known };
            }
        }

        return builder?.ToImmutable() ?? fresh;
    }

    internal static int Diff(ImmutableDictionary<string, CallLeg> old, ImmutableDictionary<string, CallLeg> fresh, DateTimeOffset at, List<CallChange> changes)
    {
        int dropped = 0;
        foreach (CallLeg gone in old.Values)
        {
            if (fresh.ContainsKey(gone.UniqueId))
            {
                continue;
            }

            dropped++;
            if (gone.Supervising is not null)
            {
                changes.Add(new CallChange(CallChangeKind.SupervisionEnded, gone, at));
            }

            if (gone.State != CallLegState.Ended)
            {
                changes.Add(new CallChange(CallChangeKind.ChannelEnded, gone with { State = CallLegState.Ended, StateSince = at, Supervising = null, BridgedTo = null, BridgedAt = null }, at));
            }
        }

        foreach (CallLeg leg in fresh.Values)
        {
            old.TryGetValue(leg.UniqueId, out CallLeg? before);
            if (before is null)
            {
                changes.Add(new CallChange(CallChangeKind.ChannelCreated, leg, at));
            }
            else if (leg.Agent != before.Agent || leg.AuthenticatedUser != before.AuthenticatedUser || !string.Equals(leg.PartyNumber, before.PartyNumber, StringComparison.Ordinal))
            {
                // Learned (or corrected) from the switch's own view: views keyed on identity or number must hear of it.
                changes.Add(new CallChange(CallChangeKind.ChannelUpdated, leg, at));
            }

            if (leg.BridgedTo != before?.BridgedTo)
            {
                if (before?.BridgedTo is not null)
                {
                    changes.Add(new CallChange(CallChangeKind.ChannelUnbridged, leg, at));
                }

                if (leg.BridgedTo is not null)
                {
                    changes.Add(new CallChange(CallChangeKind.ChannelBridged, leg, at));
                }
            }

            if (leg.Supervising?.TargetLegId != before?.Supervising?.TargetLegId)
            {
                if (before?.Supervising is not null)
                {
                    changes.Add(new CallChange(CallChangeKind.SupervisionEnded, before, at));
                }

                if (leg.Supervising is not null)
                {
                    changes.Add(new CallChange(CallChangeKind.SupervisionStarted, leg, at));
                }
            }
        }

        return dropped;
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Call registry resynced: {Channels} channels, {Dropped} dropped, {Vanished} vanished, {DumpFailures} unreadable")]
    private static partial void LogResynced(ILogger logger, int channels, int dropped, int vanished, int dumpFailures);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "uuid_dump of channel {UniqueId} failed or was malformed; tracking it without identity")]
    private static partial void LogDumpFailed(ILogger logger, string uniqueId);

    private enum DumpKind
    {
        Ok,
        Vanished,
        Failed,
    }

    private readonly record struct DumpOutcome(DumpKind Kind, EslEvent? Variables);
}
