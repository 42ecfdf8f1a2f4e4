using EslSupervision.EventSocket.Client;
using EslSupervision.EventSocket.Diagnostics;
using EslSupervision.EventSocket.Protocol;
using Microsoft.Extensions.Logging;

namespace EslSupervision.EventSocket;

/// <summary>
/// One call's connection from the switch's <c>socket</c> application (use <c>async full</c>). Start with
/// <see cref="ConnectAsync"/>, which returns the channel's data; then <see cref="MyEventsAsync"/> for the call's
/// events. Every <see cref="IEslConnection"/> command works, and the overloads without a UUID act on this call.
/// </summary>
public sealed class EslOutboundSession : EslConnection
{
    private readonly EslConnectionCore _core;
    private readonly Task _watch;
    private int _disposed;

    internal EslOutboundSession(Stream stream, EslConnectionSettings settings, ILogger logger, EslMetrics metrics, TimeProvider time)
        : base(settings, logger, metrics, time)
    {
        _core = new EslConnectionCore(stream, settings, Dispatcher.PublishAsync, logger, metrics, time);
        SetState(EslConnectionState.Connecting);
        _watch = WatchAsync();
    }

    /// <summary>The channel's data from the <c>connect</c> reply; <see langword="null"/> before <see cref="ConnectAsync"/>.</summary>
    public EslEvent? ChannelData { get; private set; }

    /// <summary>The controlled channel's UUID; <see langword="null"/> before <see cref="ConnectAsync"/>.</summary>
    public string? UniqueId => ChannelData?.UniqueId;

    /// <summary>Completes when the switch closes the connection (after the final disconnect notice).</summary>
    public Task Completion => _core.Completion;

    private protected override EslConnectionCore Core
        => _core.IsOpen ? _core : throw new EslConnectionException("The outbound session is closed.");

    private string BoundUniqueId => UniqueId ?? throw new InvalidOperationException("Call ConnectAsync first: the session does not know its channel yet.");

    /// <summary>Sends <c>connect</c>; the reply is the channel's data (its headers, url-decoded).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="EslCommandException">The switch did not answer <c>+OK</c>.</exception>
    public async Task<EslEvent> ConnectAsync(CancellationToken cancellationToken = default)
    {
        EslFrame reply = await Core.SendAsync(EslCommand.Create("connect").Build(), cancellationToken).ConfigureAwait(false);
        string text = reply.Header("Reply-Text") ?? string.Empty;
        if (!text.StartsWith("+OK", StringComparison.Ordinal) || reply.Envelope is null)
        {
            throw new EslCommandException("connect", text, $"The switch refused 'connect': {text.TrimEnd()}");
        }

        ChannelData = EslEvent.FromEnvelope(reply.Envelope);
        SetState(EslConnectionState.Connected);
        return ChannelData;
    }

    /// <summary>Sends <c>myevents</c>: the switch sends this call's channel events (including CHANNEL_EXECUTE_COMPLETE and CHANNEL_HANGUP_COMPLETE).</summary>
    /// <param name="format">The serialization.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task MyEventsAsync(EslEventFormat format = EslEventFormat.Plain, CancellationToken cancellationToken = default)
    {
        EslCommand.Builder builder = EslCommand.Create("myevents");
        if (format != EslEventFormat.Plain)
        {
            builder.Token(format == EslEventFormat.Json ? "json" : "xml", nameof(format));
        }

        await ExpectOkAsync(Core, builder.Build(), cancellationToken).ConfigureAwait(false);
        Subscriptions.MyEvents = true;
    }

    /// <summary>
    /// Sends <c>linger [seconds]</c>: when the call hangs up the switch keeps the socket open for the remaining
    /// events, announcing it with a linger notice (see <see cref="EslConnection.DisconnectNotices"/>).
    /// </summary>
    /// <param name="duration">How long; <see langword="null"/> = until the client closes.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task LingerAsync(TimeSpan? duration = null, CancellationToken cancellationToken = default)
    {
        EslCommand.Builder builder = EslCommand.Create("linger");
        if (duration is { } d)
        {
            builder.Token(((int)Math.Ceiling(d.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture), nameof(duration));
        }

        return ExpectOkAsync(Core, builder.Build(), cancellationToken);
    }

    /// <summary>Sends <c>nolinger</c>.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task NoLingerAsync(CancellationToken cancellationToken = default)
        => ExpectOkAsync(Core, EslCommand.Create("nolinger").Build(), cancellationToken);

    /// <summary>Sends <c>resume</c>: the dialplan continues after the socket closes.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task ResumeAsync(CancellationToken cancellationToken = default)
        => ExpectOkAsync(Core, EslCommand.Create("resume").Build(), cancellationToken);

    /// <summary>Queues an application on this call; see <see cref="IEslConnection.ExecuteAsync"/>.</summary>
    /// <param name="application">The application.</param>
    /// <param name="arguments">Its argument.</param>
    /// <param name="options">Optional execution settings.</param>
    /// <param name="cancellationToken">Stops waiting for the switch to queue it.</param>
    public Task<EslExecution> ExecuteAsync(string application, string? arguments = null, EslExecuteOptions? options = null, CancellationToken cancellationToken = default)
        => ExecuteAsync(BoundUniqueId, application, arguments, options, cancellationToken);

    /// <summary>Hangs this call up; see <see cref="IEslConnection.HangupAsync"/>.</summary>
    /// <param name="cause">A FreeSWITCH hang-up cause.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<bool> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default)
        => HangupAsync(BoundUniqueId, cause, cancellationToken);

    /// <summary>Closes the socket; pending commands fail and the event streams complete.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _core.DisposeAsync().ConfigureAwait(false);

        // The watcher ends the streams when the socket closes; waiting for it means the dispatcher is never
        // disposed under a completion that is still running (each stream completes exactly once).
        await _watch.ConfigureAwait(false);
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

    /// <summary>Ends the streams when the socket closes. Never faults: nobody else observes this task until dispose.</summary>
    private async Task WatchAsync()
    {
        try
        {
            await _core.Completion.ConfigureAwait(false);
            SetState(EslConnectionState.Closed);
            Exception? reason = _core.CloseReason;
            await Dispatcher.CompleteAsync(_core.ClosedByNotice ? null : reason).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.CloseFailed(Logger, ex);
        }
    }
}
