namespace EslSupervision.EventSocket;

/// <summary>
/// One Event Socket connection to FreeSWITCH: its events as a hot observable, and its commands. Implemented
/// by <see cref="EslInboundClient"/> (the client connects to the switch) and <see cref="EslOutboundSession"/>
/// (the switch's <c>socket</c> application connects to the client for one call).
/// </summary>
/// <remarks>
/// Every string argument is checked before anything is written: a value containing CR, LF or another control
/// character is refused with <see cref="ArgumentException"/>, so data from callers can never add a line to a
/// command. Commands may be called concurrently; they are written in call order and replies are matched in
/// that order (pipelining is safe: the switch answers in order).
/// </remarks>
public interface IEslConnection : IAsyncDisposable
{
    /// <summary>
    /// Every event received, in arrival order. Hot: subscribers see events from the moment they subscribe.
    /// Notifications are serialized and never run on the socket's read loop, so a slow subscriber delays
    /// other subscribers but never the connection (see <see cref="EslConnectionOptions.EventBufferCapacity"/>).
    /// </summary>
    IObservable<EslEvent> Events { get; }

    /// <summary>
    /// Opens a pull subscription with its own bounded buffer and drop accounting: events from now on, in arrival
    /// order, that no <see cref="Events"/> subscriber and no other reader can hold up. Dispose it to stop.
    /// </summary>
    /// <param name="options">The buffer's bounds and overflow policy; the connection's settings when <see langword="null"/>.</param>
    /// <returns>The reader; it ends when the connection closes for good.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    EslEventReader CreateEventReader(EslEventReaderOptions? options = null);

    /// <summary>The connection's state, now and on every change (replays the current state to a new subscriber).</summary>
    IObservable<EslConnectionState> StateChanges { get; }

    /// <summary>The connection's current state.</summary>
    EslConnectionState State { get; }

    /// <summary>Runs <c>api &lt;command&gt; [arguments]</c> and returns its output.</summary>
    /// <param name="command">The API command, one word (e.g. <c>uuid_getvar</c>).</param>
    /// <param name="arguments">Its arguments on one line, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting; the command keeps its place in the reply order.</param>
    /// <exception cref="EslCommandException">The connection may not run <c>api</c> (<c>-ERR permission denied</c>).</exception>
    Task<EslApiResponse> ApiAsync(string command, string? arguments = null, CancellationToken cancellationToken = default);

    /// <summary>Runs <c>bgapi</c> with a client-chosen <c>Job-UUID</c> and completes when its <c>BACKGROUND_JOB</c> event arrives.</summary>
    /// <param name="command">The API command, one word.</param>
    /// <param name="arguments">Its arguments on one line, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the job.</param>
    Task<EslBackgroundJobResult> BackgroundApiAsync(string command, string? arguments = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues an application on a channel (<c>sendmsg</c>, <c>call-command: execute</c>) with an <c>Event-UUID</c>.
    /// The returned task completes when the switch has queued it; <see cref="EslExecution.Completion"/> completes
    /// on the matching <c>CHANNEL_EXECUTE_COMPLETE</c> and fails with <see cref="EslChannelGoneException"/> if the
    /// channel hangs up first, or with <see cref="EslConnectionException"/> if the connection is lost.
    /// </summary>
    /// <param name="uniqueId">The channel's UUID.</param>
    /// <param name="application">The application (e.g. <c>answer</c>, <c>eavesdrop</c>).</param>
    /// <param name="arguments">Its argument; long ones are sent in the body form.</param>
    /// <param name="options">Optional execution settings.</param>
    /// <param name="cancellationToken">Stops waiting for the switch to queue it.</param>
    /// <exception cref="EslCommandException">The switch refused it (e.g. <c>-ERR invalid session id</c>).</exception>
    Task<EslExecution> ExecuteAsync(string uniqueId, string application, string? arguments = null, EslExecuteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hangs a channel up at once with <c>api uuid_kill</c>, which works whatever the channel is running (a queued
    /// <c>hangup</c> application would wait behind a running <c>eavesdrop</c>).
    /// </summary>
    /// <param name="uniqueId">The channel's UUID.</param>
    /// <param name="cause">A FreeSWITCH hang-up cause such as <c>NORMAL_CLEARING</c>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns><see langword="true"/> if the switch hung the channel up; <see langword="false"/> if it no longer exists.</returns>
    Task<bool> HangupAsync(string uniqueId, string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends an event (<c>sendevent</c>). With a <c>Unique-ID</c> header naming a live channel the switch queues
    /// the event to that channel instead of firing it (this is how a running <c>eavesdrop</c> is switched).
    /// </summary>
    /// <param name="eventName">The event name, e.g. <c>CUSTOM</c>.</param>
    /// <param name="headers">Its headers (for <c>CUSTOM</c>, include <c>Event-Subclass</c>).</param>
    /// <param name="body">An optional body.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The UUID the switch gave the event.</returns>
    Task<string> SendEventAsync(string eventName, IEnumerable<KeyValuePair<string, string>> headers, string? body = null, CancellationToken cancellationToken = default);

    /// <summary>Subscribes to events (<c>event &lt;format&gt; names... [CUSTOM subclasses...]</c>). Subscriptions add up.</summary>
    /// <param name="eventNames">Event names such as <c>CHANNEL_PARK</c>, or <c>ALL</c>.</param>
    /// <param name="customSubclasses">Subclasses of <c>CUSTOM</c> events, e.g. <c>esl_supervision::mode</c>.</param>
    /// <param name="format">The serialization; it applies to the whole connection.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task SubscribeAsync(IEnumerable<string> eventNames, IEnumerable<string>? customSubclasses = null, EslEventFormat format = EslEventFormat.Plain, CancellationToken cancellationToken = default);

    /// <summary>Removes subscriptions (<c>nixevent</c>).</summary>
    /// <param name="eventNames">Event names to remove.</param>
    /// <param name="customSubclasses">Custom subclasses to remove.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task UnsubscribeAsync(IEnumerable<string> eventNames, IEnumerable<string>? customSubclasses = null, CancellationToken cancellationToken = default);

    /// <summary>Adds an event filter (<c>filter &lt;header&gt; &lt;value&gt;</c>); see the switch's filter rules.</summary>
    /// <param name="header">The header to match.</param>
    /// <param name="value">The value; <c>-</c> prefix = negative, <c>/</c> prefix = regex.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task AddFilterAsync(string header, string value, CancellationToken cancellationToken = default);

    /// <summary>Removes an event filter (<c>filter delete &lt;header&gt; [value]</c>).</summary>
    /// <param name="header">The header of the filter.</param>
    /// <param name="value">Its value, or <see langword="null"/> for every filter on that header.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task RemoveFilterAsync(string header, string? value = null, CancellationToken cancellationToken = default);
}
