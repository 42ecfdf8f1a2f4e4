using System.Reactive.Linq;
using System.Reactive.Subjects;
using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Diagnostics;
using EslSupervision.EventSocket.Protocol;
using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket;

/// <summary>
/// What inbound clients and outbound sessions share: the event streams, the state, and every command.
/// Cannot be derived from outside the library; use <see cref="EslInboundClient"/> or <see cref="EslOutboundSession"/>,
/// or mock <see cref="IEslConnection"/>.
/// </summary>
public abstract class EslConnection : IEslConnection, IInlineEventSource
{
    /// <summary>Arguments longer than this go in the <c>sendmsg</c> body form instead of a header.</summary>
    private const int MaxHeaderArgumentBytes = 1024;

    private static readonly string[] ExecuteTrackingEvents = ["CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"];
    private static readonly string[] JobTrackingEvents = ["BACKGROUND_JOB"];

    private readonly BehaviorSubject<EslConnectionState> _state = new(EslConnectionState.Disconnected);
    private readonly object _stateGate = new();

    private protected EslConnection(EslConnectionSettings settings, ILogger logger, EslMetrics metrics, TimeProvider time)
    {
        Settings = settings;
        Logger = logger;
        Metrics = metrics;
        Time = time;
        Dispatcher = new EventDispatcher(settings.EventBufferCapacity, settings.EventBufferMaxBytes, settings.OverflowPolicy, logger, metrics, settings.DedicatedThreads,
            deliverInline: settings.DedicatedThreads && settings.OverflowPolicy == EslOverflowPolicy.Wait);

        // Every subscriber is isolated: its exceptions never reach the read loop, the reconnect loop or DisposeAsync.
        Events = new IsolatingObservable<EslEvent>(Dispatcher.Events, logger, nameof(Events));
        Logs = new IsolatingObservable<EslLogLine>(Dispatcher.Logs, logger, nameof(Logs));
        DisconnectNotices = new IsolatingObservable<EslDisconnectNotice>(Dispatcher.DisconnectNotices, logger, nameof(DisconnectNotices));
        StateChanges = new IsolatingObservable<EslConnectionState>(_state.AsObservable(), logger, nameof(StateChanges));
    }

    /// <inheritdoc />
    public IObservable<EslEvent> Events { get; }

    /// <inheritdoc />
    public EslEventReader CreateEventReader(EslEventReaderOptions? options = null)
    {
        options?.Validate();
        return Dispatcher.CreateReader(options);
    }

    /// <inheritdoc />
    IDisposable IInlineEventSource.SubscribeInline(Action<EslEvent> onEvent, bool lend) => Dispatcher.SubscribeInline(onEvent, lend);

    /// <summary>Log lines the switch sends after <c>log &lt;level&gt;</c>.</summary>
    public IObservable<EslLogLine> Logs { get; }

    /// <summary>Disconnect notices from the switch (the linger notice, then the final one).</summary>
    public IObservable<EslDisconnectNotice> DisconnectNotices { get; }

    /// <inheritdoc />
    public IObservable<EslConnectionState> StateChanges { get; }

    /// <inheritdoc />
    public EslConnectionState State => _state.Value;

    /// <summary>How many events the buffer of the <see cref="Events"/> subscribers dropped because they fell behind (see <see cref="EslOverflowPolicy"/>); readers count their own.</summary>
    public long DroppedEvents => Dispatcher.Dropped;

    private protected EslConnectionSettings Settings { get; }

    private protected ILogger Logger { get; }

    private protected EslMetrics Metrics { get; }

    private protected TimeProvider Time { get; }

    private protected EventDispatcher Dispatcher { get; }

    private protected SubscriptionState Subscriptions { get; } = new();

    /// <summary>The open socket; throws <see cref="EslConnectionException"/> when there is none.</summary>
    private protected abstract EslConnectionCore Core { get; }

    /// <inheritdoc />
    public async Task<EslApiResponse> ApiAsync(string command, string? arguments = null, CancellationToken cancellationToken = default)
    {
        EslCommand cmd = EslCommand.Create("api").Token(command, nameof(command)).Rest(arguments, nameof(arguments)).Build();
        EslFrame reply = await SendAsync(cmd, cancellationToken).ConfigureAwait(false);
        if (reply.Type == EslContentType.CommandReply)
        {
            // A restricted user gets "-ERR permission denied" as command/reply, not as api/response.
            string text = reply.Header("Reply-Text") ?? string.Empty;
            throw new EslCommandException("api", text, $"The switch refused 'api {command}': {text}");
        }

        return new EslApiResponse(reply.BodyText);
    }

    /// <inheritdoc />
    public async Task<EslBackgroundJobResult> BackgroundApiAsync(string command, string? arguments = null, CancellationToken cancellationToken = default)
    {
        // Built (and so validated) before anything, even the subscription, is written.
        string jobUuid = Guid.NewGuid().ToString();
        EslCommand cmd = EslCommand.Create("bgapi").Token(command, nameof(command)).Rest(arguments, nameof(arguments))
            .Header("Job-UUID", jobUuid).Build();
        EslConnectionCore core = Core;
        Task subscribed = SubscribeIfMissing(core, JobTrackingEvents, cancellationToken);
        Task<EslBackgroundJobResult> job = core.RegisterJob(jobUuid);
        try
        {
            Task<string> queued = ExpectOkAsync(core, cmd, cancellationToken);

            // Both are awaited together, so a failure of one never leaves the other's exception unobserved.
            await Task.WhenAll(subscribed, queued).ConfigureAwait(false);
            return await job.WaitAsync(Settings.BackgroundJobTimeout, Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new EslTimeoutException("bgapi", Settings.BackgroundJobTimeout);
        }
        finally
        {
            core.ForgetJob(jobUuid);
        }
    }

    /// <inheritdoc />
    public async Task<EslExecution> ExecuteAsync(string uniqueId, string application, string? arguments = null, EslExecuteOptions? options = null, CancellationToken cancellationToken = default)
    {
        EnsureToken(uniqueId, nameof(uniqueId));
        EnsureToken(application, nameof(application));
        string eventUuid = options?.EventUuid ?? Guid.NewGuid().ToString();
        EnsureToken(eventUuid, nameof(options));

        EslCommand.Builder builder = EslCommand.Create("sendmsg").Token(uniqueId, nameof(uniqueId))
            .Header("call-command", "execute")
            .Header("execute-app-name", application);
        if (arguments is not null)
        {
            CommandText.EnsureLine(arguments, nameof(arguments), allowEmpty: true);
            if (System.Text.Encoding.UTF8.GetByteCount(arguments) > MaxHeaderArgumentBytes)
            {
                // Long arguments travel as a length-delimited body (the switch reads execute-app-arg from it).
                builder.Header("content-type", "text/plain").Body(arguments);
            }
            else
            {
                builder.Header("execute-app-arg", arguments);
            }
        }

        builder.Header("Event-UUID", eventUuid);
        if (options?.EventLock == true)
        {
            builder.Header("event-lock", "true");
        }

        // Built (and so validated) before anything, even the subscription, is written.
        EslCommand sendmsg = builder.Build();
        EslConnectionCore core = Core;
        Task subscribed = SubscribeIfMissing(core, ExecuteTrackingEvents, cancellationToken);
        Task<EslEvent> completion = core.RegisterExecution(eventUuid, uniqueId, application);
        try
        {
            Task<string> queued = ExpectOkAsync(core, sendmsg, cancellationToken);
            await Task.WhenAll(subscribed, queued).ConfigureAwait(false);
        }
        catch
        {
            core.ForgetExecution(eventUuid);
            throw;
        }

        return new EslExecution(uniqueId, application, eventUuid, completion);
    }

    /// <inheritdoc />
    public async Task<bool> HangupAsync(string uniqueId, string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default)
    {
        EnsureToken(uniqueId, nameof(uniqueId));
        EnsureToken(cause, nameof(cause));
        EslApiResponse response = await ApiAsync("uuid_kill", uniqueId + " " + cause, cancellationToken).ConfigureAwait(false);
        if (!response.IsError)
        {
            return true;
        }

        if (response.Body.Contains("No such channel", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        throw new EslCommandException("api", response.Text, $"uuid_kill failed: {response.Text}");
    }

    /// <inheritdoc />
    public async Task<string> SendEventAsync(string eventName, IEnumerable<KeyValuePair<string, string>> headers, string? body = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        EslCommand.Builder builder = EslCommand.Create("sendevent").Token(eventName, nameof(eventName));
        foreach (var header in headers)
        {
            builder.Header(header.Key, header.Value, nameof(headers));
        }

        if (body is not null)
        {
            builder.Body(body);
        }

        string text = await ExpectOkAsync(Core, builder.Build(), cancellationToken).ConfigureAwait(false);
        return text.Length > 4 ? text[4..].Trim() : string.Empty;
    }

    /// <inheritdoc />
    public async Task SubscribeAsync(IEnumerable<string> eventNames, IEnumerable<string>? customSubclasses = null, EslEventFormat format = EslEventFormat.Plain, CancellationToken cancellationToken = default)
    {
        string[] names = [.. eventNames];
        string[] custom = customSubclasses is null ? [] : [.. customSubclasses];
        EslConnectionCore core = Core;
        string[] written = names;

        // Checked first: an empty request is refused, never turned into a liveness-only subscription.
        bool carriesLiveness = (names.Length > 0 || custom.Length > 0) && CarryPendingLiveness(core, ref written);
        await ExpectOkAsync(core, BuildEventCommand("event", FormatToken(format), written, custom), cancellationToken).ConfigureAwait(false);
        Subscriptions.Add(names, custom, format);
        if (carriesLiveness)
        {
            LivenessSubscribed(core);
        }
    }

    /// <inheritdoc />
    public async Task UnsubscribeAsync(IEnumerable<string> eventNames, IEnumerable<string>? customSubclasses = null, CancellationToken cancellationToken = default)
    {
        string[] names = [.. eventNames];
        string[] custom = customSubclasses is null ? [] : [.. customSubclasses];
        await ExpectOkAsync(Core, BuildEventCommand("nixevent", null, names, custom), cancellationToken).ConfigureAwait(false);
        Subscriptions.Remove(names, custom);
    }

    /// <inheritdoc />
    public async Task AddFilterAsync(string header, string value, CancellationToken cancellationToken = default)
    {
        EslCommand cmd = EslCommand.Create("filter").Token(header, nameof(header)).Rest(CommandText.EnsureLine(value, nameof(value)), nameof(value)).Build();
        await ExpectOkAsync(Core, cmd, cancellationToken).ConfigureAwait(false);
        Subscriptions.AddFilter(header, value);
    }

    /// <inheritdoc />
    public async Task RemoveFilterAsync(string header, string? value = null, CancellationToken cancellationToken = default)
    {
        EslCommand cmd = EslCommand.Create("filter").Token("delete", nameof(header)).Token(header, nameof(header)).Rest(value, nameof(value)).Build();
        await ExpectOkAsync(Core, cmd, cancellationToken).ConfigureAwait(false);
        Subscriptions.RemoveFilter(header, value);
    }

    /// <summary>Sends <c>log &lt;level&gt;</c>: the switch then sends its log lines (see <see cref="Logs"/>).</summary>
    /// <param name="level">A level name (<c>debug</c>, <c>info</c>, <c>notice</c>, <c>warning</c>, <c>err</c>, …) or number 0-7.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task EnableLogsAsync(string level, CancellationToken cancellationToken = default)
        => ExpectOkAsync(Core, EslCommand.Create("log").Token(level, nameof(level)).Build(), cancellationToken);

    /// <summary>Sends <c>nolog</c>.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task DisableLogsAsync(CancellationToken cancellationToken = default)
        => ExpectOkAsync(Core, EslCommand.Create("nolog").Build(), cancellationToken);

    /// <summary>Sends <c>exit</c>: the switch answers <c>+OK bye</c> and closes the connection; no reconnection follows.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task ExitAsync(CancellationToken cancellationToken = default)
    {
        OnExitRequested();
        await ExpectOkAsync(Core, EslCommand.Create("exit").Build(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    private protected virtual void OnExitRequested()
    {
    }

    /// <summary>
    /// Lets an inbound client add the liveness subscription it held back on <paramref name="core"/> to the next
    /// <c>event</c> command (see <see cref="DeferredLiveness"/>).
    /// </summary>
    /// <returns><see langword="true"/> when that command, once acknowledged, subscribes the liveness events.</returns>
    private protected virtual bool CarryPendingLiveness(EslConnectionCore core, ref string[] names) => false;

    /// <summary>An <c>event</c> command that carried the pending liveness subscription was acknowledged on <paramref name="core"/>.</summary>
    private protected virtual void LivenessSubscribed(EslConnectionCore core)
    {
    }

    private protected void SetState(EslConnectionState state)
    {
        lock (_stateGate)
        {
            if (_state.Value != state)
            {
                _state.OnNext(state);
            }
        }
    }

    private protected void CompleteState()
    {
        lock (_stateGate)
        {
            // Idempotent: a completed BehaviorSubject ignores further calls.
            _state.OnCompleted();
        }
    }

    /// <summary>Re-sends the subscriptions and filters on a new socket, before it is handed to callers.</summary>
    private protected async Task ReplaySubscriptionsAsync(EslConnectionCore core, CancellationToken cancellationToken)
    {
        var (events, custom, format, filters) = Subscriptions.Snapshot();
        if (events.Length + custom.Length > 0)
        {
            await ExpectOkAsync(core, BuildEventCommand("event", FormatToken(format), events, custom), cancellationToken).ConfigureAwait(false);
        }

        foreach (var filter in filters)
        {
            await ExpectOkAsync(core, EslCommand.Create("filter").Token(filter.Key, "header").Rest(filter.Value, "value").Build(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a command whose reply must be <c>+OK…</c>; returns the reply text.</summary>
    private protected static async Task<string> ExpectOkAsync(EslConnectionCore core, EslCommand command, CancellationToken cancellationToken)
    {
        EslFrame reply = await core.SendAsync(command, cancellationToken).ConfigureAwait(false);
        string text = reply.Header("Reply-Text") ?? reply.BodyText;
        if (!text.StartsWith("+OK", StringComparison.Ordinal))
        {
            throw new EslCommandException(command.Name, text, $"The switch refused '{command.Name}': {text}");
        }

        return text;
    }

    private async Task<EslFrame> SendAsync(EslCommand command, CancellationToken cancellationToken)
    {
        using var activity = EslMetrics.ActivitySource.StartActivity("esl " + command.Name, System.Diagnostics.ActivityKind.Client);
        return await Core.SendAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a subscription for what the library's own correlation needs, unless already covered, without
    /// waiting for its reply: the command that needs it is written right behind it, and the switch handles
    /// both in order. Nothing awaits before the write, so call order stays wire order.
    /// </summary>
    private Task SubscribeIfMissing(EslConnectionCore core, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        string[] missing = Subscriptions.Missing(names);
        if (missing.Length == 0)
        {
            return Task.CompletedTask;
        }

        EslEventFormat format = Subscriptions.Format;
        Subscriptions.Add(missing, [], format);
        string[] written = missing;
        bool carriesLiveness = CarryPendingLiveness(core, ref written);
        Task<string> reply = ExpectOkAsync(core, BuildEventCommand("event", FormatToken(format), written, []), cancellationToken);
        return reply.ContinueWith(
            t =>
            {
                if (!t.IsCompletedSuccessfully)
                {
                    Subscriptions.Remove(missing, []);
                }
                else if (carriesLiveness)
                {
                    LivenessSubscribed(core);
                }

                return t;
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Unwrap();
    }

    private protected static EslCommand BuildEventCommand(string verb, string? format, string[] names, string[] custom)
    {
        if (names.Length == 0 && custom.Length == 0)
        {
            throw new ArgumentException("Name at least one event or custom subclass.", nameof(names));
        }

        EslCommand.Builder builder = EslCommand.Create(verb);
        if (format is not null)
        {
            builder.Token(format, nameof(format));
        }

        foreach (string name in names.Where(n => !string.Equals(n, "CUSTOM", StringComparison.OrdinalIgnoreCase)))
        {
            builder.Token(name, nameof(names));
        }

        // Every word after CUSTOM is read as a subclass, so CUSTOM and its subclasses go last.
        if (custom.Length > 0 || names.Any(n => string.Equals(n, "CUSTOM", StringComparison.OrdinalIgnoreCase)))
        {
            builder.Token("CUSTOM", nameof(names));
            foreach (string subclass in custom)
            {
                builder.Token(subclass, "customSubclasses");
            }
        }

        return builder.Build();
    }

    private protected static string FormatToken(EslEventFormat format) => format switch
    {
        EslEventFormat.Json => "json",
        EslEventFormat.Xml => "xml",
        _ => "plain",
    };

    private static void EnsureToken(string value, string paramName) => CommandText.EnsureToken(value, paramName);
}
