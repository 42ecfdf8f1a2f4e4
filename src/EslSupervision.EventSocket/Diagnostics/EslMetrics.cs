using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EslSupervision.EventSocket.Diagnostics;

/// <summary>
/// The Event Socket instruments. Tags are low-cardinality only (command name, reason), never a UUID or a
/// number. Created from an <see cref="IMeterFactory"/> when one is given (DI), otherwise from a shared meter.
/// </summary>
internal sealed class EslMetrics
{
    /// <summary>The library's one meter when no <see cref="IMeterFactory"/> is given (the supervision layer uses it too).</summary>
    public static readonly Meter SharedMeter = new(EslTelemetry.MeterName);

    /// <summary>The library's one activity source (the supervision layer uses it too).</summary>
    public static readonly ActivitySource ActivitySource = new(EslTelemetry.ActivitySourceName);

    public static EslMetrics Shared { get; } = new(SharedMeter);

    private readonly Counter<long> _frames;
    private readonly Counter<long> _events;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _protocolErrors;
    private readonly Histogram<double> _commandDuration;
    private readonly Counter<long> _deaths;
    private readonly Counter<long> _connectFailures;

    private EslMetrics(Meter meter)
    {
        _frames = meter.CreateCounter<long>("esl.client.frames.received", "{frame}", "Frames received from the switch.");
        _events = meter.CreateCounter<long>("esl.client.events.received", "{event}", "Events received from the switch.");
        _bytes = meter.CreateCounter<long>("esl.client.bytes.received", "By", "Bytes received from the switch.");
        _reconnects = meter.CreateCounter<long>("esl.client.reconnects", "{reconnect}", "Successful reconnections.");
        _dropped = meter.CreateCounter<long>("esl.client.events.dropped", "{event}", "Events dropped because subscribers fell behind.");
        _protocolErrors = meter.CreateCounter<long>("esl.client.protocol_errors", "{error}", "Connections closed for invalid protocol input.");
        _deaths = meter.CreateCounter<long>("esl.client.connection.deaths", "{connection}", "Connections declared dead by the client (tag reason: silence, command_timeouts).");
        _connectFailures = meter.CreateCounter<long>("esl.client.connect.failures", "{attempt}", "Failed connection attempts (tag reason: unreachable, authentication).");
        _commandDuration = meter.CreateHistogram<double>("esl.client.command.duration", "s", "Time from writing a command to its reply.");
    }

    public static EslMetrics Create(IMeterFactory? factory)
        => factory is null ? Shared : new EslMetrics(factory.Create(EslTelemetry.MeterName));

    public void FrameReceived() => _frames.Add(1);

    public void EventReceived() => _events.Add(1);

    public void FramesReceived(int count)
    {
        if (count > 0)
        {
            _frames.Add(count);
        }
    }

    public void BytesReceived(long count) => _bytes.Add(count);

    public void Reconnected() => _reconnects.Add(1);

    public void EventDropped() => _dropped.Add(1);

    /// <summary>Counts dropped events, tagged with the kind of consumer whose buffer dropped them (<c>events</c> or <c>reader</c>).</summary>
    public void EventsDropped(long count, string consumer) => _dropped.Add(count, new KeyValuePair<string, object?>("esl.consumer", consumer));

    public void ProtocolError() => _protocolErrors.Add(1);

    public void ConnectionDead(string reason) => _deaths.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ConnectFailed(string reason) => _connectFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void CommandCompleted(string command, TimeSpan elapsed, string outcome)
        => _commandDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("esl.command", command), new KeyValuePair<string, object?>("outcome", outcome));
}
