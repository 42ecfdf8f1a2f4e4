using EslSupervision.EventSocket;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <content>
/// The controller's own event feed: a reader with its own buffer, so no user subscriber of the connection's
/// <see cref="IEslConnection.Events"/> can hold it up. When that buffer drops events (the controller fell
/// behind, or a flood), the call registry may be wrong, so it is rebuilt from the switch, once per burst of drops.
/// </content>
public sealed partial class SupervisionController
{
    /// <summary>How long after the first lost event the registry is resynced: drops in that window share one resync.</summary>
    internal static readonly TimeSpan GapResyncDelay = TimeSpan.FromSeconds(1);

    private readonly object _gapGate = new();
    private EslEventReader? _reader;
    private Task _readLoop = Task.CompletedTask;
    private ITimer? _gapTimer;
    private long _lostSinceResync;

    private void StartReading()
    {
        if (_reader is not null)
        {
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
