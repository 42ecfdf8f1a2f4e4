using EslSupervision.EventSocket;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <content>
/// The controller's own event feed. On the library's own connections, with the library's own registry and agent-leg
/// rule, the events come inline, on the socket's read loop: no thread hop before a park reaches its decision, and no
/// buffer that could drop. That intake runs only library code that never blocks and never waits for I/O: it applies
/// the event to the registry (whose <see cref="Calls.ICallRegistry.Changes"/> subscribers run on their own loops) and
/// posts any work, commands included, to the supervisor's session queue; it contains its own exceptions.
/// Otherwise (another <see cref="IEslConnection"/>, a registry or an <see cref="Calls.IAgentLegRule"/> of the
/// application's own, which may be slow) it is a reader with its own buffer, so neither that code nor a user
/// subscriber of <see cref="IEslConnection.Events"/> can hold up the socket. When that buffer drops events (the
/// controller fell behind, or a flood), the call registry may be wrong, so it is rebuilt from the switch, once per
/// burst of drops.
/// </content>
public sealed partial class SupervisionController
{
    /// <summary>How long after the first lost event the registry is resynced: drops in that window share one resync.</summary>
    internal static readonly TimeSpan GapResyncDelay = TimeSpan.FromSeconds(1);

    private readonly object _gapGate = new();
    private EslEventReader? _reader;
    private IDisposable? _inline;
    private Task _readLoop = Task.CompletedTask;
    private ITimer? _gapTimer;
    private long _lostSinceResync;

    /// <summary>True if the controller takes its events on the socket's read loop (see the type's remarks).</summary>
    internal bool TakesEventsInline => _inline is not null;

    private void StartReading()
    {
        if (_reader is not null || _inline is not null)
        {
            return;
        }

        if (_connection is EventSocket.Client.IInlineEventSource source && _registry is Calls.CallRegistry { RunsOnlyLibraryCode: true })
        {
            // Lent, not copied: the controller reads almost every event and keeps only parks (posted to their
            // session) and what a running resync buffers, each copied out where it is kept.
            _inline = source.SubscribeInline(OnEvent, lend: true);
            return;
        }

        _reader = _connection.CreateEventReader();
        EslEventReader reader = _reader;
        _readLoop = Task.Run(() => ReadEventsAsync(reader, _stop.Token), CancellationToken.None);
    }

    private async Task ReadEventsAsync(EslEventReader reader, CancellationToken cancellationToken)
    {
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out EslEvent? e))
                {
                    OnEvent(e);
                }

                long lost = reader.TakeGap();
                if (lost > 0)
                {
                    OnEventsLost(lost);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is EslException)
        {
            // The connection closed for good: there is nothing more to read.
        }
    }

    private void OnEventsLost(long lost)
    {
        _telemetry.EventsLost(lost);
        lock (_gapGate)
        {
            _lostSinceResync += lost;
            if (_gapTimer is null && !_stop.IsCancellationRequested)
            {
                // Otherwise a resync is already due, and it covers these drops too.
                _gapTimer = _time.CreateTimer(_ => OnGapTimer(), null, GapResyncDelay, Timeout.InfiniteTimeSpan);
            }

            // Logged once the timer runs, so whoever reads the log can rely on the resync being scheduled.
            GapLog.EventsLost(_logger, lost, GapResyncDelay.TotalMilliseconds);
        }
    }

    private void OnGapTimer()
    {
        long lost;
        lock (_gapGate)
        {
            _gapTimer?.Dispose();
            _gapTimer = null;
            lost = _lostSinceResync;
            _lostSinceResync = 0;
            if (_stop.IsCancellationRequested)
            {
                return;
            }
        }

        _ = Task.Run(() => RepairAsync(lost), CancellationToken.None);
    }

    private async Task RepairAsync(long lost)
    {
        GapLog.Repairing(_logger, lost);
        _telemetry.GapResync();
        try
        {
            await ResyncAsync(_stop.Token).ConfigureAwait(false);
            GapLog.Repaired(_logger, lost);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Stopping: the next controller resyncs on start.
        }
    }

    private async Task StopReadingAsync()
    {
        lock (_gapGate)
        {
            _gapTimer?.Dispose();
            _gapTimer = null;
        }

        // Returns once no inline call is in progress: nothing reaches OnEvent after this.
        _inline?.Dispose();
        if (_reader is { } reader)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }

        await _readLoop.ConfigureAwait(false);
    }
}

/// <summary>Log messages about lost events and the registry repair that follows (ids 2110-2119).</summary>
internal static partial class GapLog
{
    [LoggerMessage(2110, LogLevel.Warning, "The controller fell behind and lost {Lost} events; the call registry will be resynced in {DelayMs} ms.")]
    public static partial void EventsLost(ILogger logger, long lost, double delayMs);

    [LoggerMessage(2111, LogLevel.Information, "Resyncing the call registry after {Lost} lost events.")]
    public static partial void Repairing(ILogger logger, long lost);

    [LoggerMessage(2112, LogLevel.Information, "Call registry repaired after {Lost} lost events.")]
    public static partial void Repaired(ILogger logger, long lost);
}
