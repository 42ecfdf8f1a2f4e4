using System.Diagnostics.Metrics;
using EslSupervision.EventSocket;
using EslSupervision.EventSocket.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EslSupervision.Control;

/// <summary>Counters and log lines of audit delivery (event ids 3050-3059). Tags are low-cardinality.</summary>
internal sealed partial class AuditTelemetry
{
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _subscriberFailures;
    private readonly Counter<long> _sinkFailures;

    public AuditTelemetry(IMeterFactory? factory, ILogger logger)
    {
        Logger = logger;
        Meter meter = EslTelemetry.GetMeter(factory);
        _dropped = meter.CreateCounter<long>("esl_supervision.audit.dropped", "{entry}", "Audit entries not delivered to a subscriber or sink (reason: overflow, sink_failed).");
        _subscriberFailures = meter.CreateCounter<long>("esl_supervision.audit.subscriber_failures", "{failure}", "Exceptions thrown by Audit subscribers (isolated; the decision was not affected).");
        _sinkFailures = meter.CreateCounter<long>("esl_supervision.audit.sink_failures", "{failure}", "Failed or timed-out audit sink writes.");
    }

    public ILogger Logger { get; }

    public void Overflow(string target)
    {
        _dropped.Add(1, new KeyValuePair<string, object?>("esl_supervision.reason", "overflow"), new KeyValuePair<string, object?>("esl_supervision.target", target));
        LogOverflow(Logger, target);
    }

    public void SubscriberFailed(Exception error)
    {
        _subscriberFailures.Add(1);
        LogSubscriberFailed(Logger, error);
    }

    public void SinkFailed(Exception error, int attempt)
    {
        _sinkFailures.Add(1);
        LogSinkFailed(Logger, attempt, error);
    }

    public void SinkDropped(SupervisionAuditKind kind)
    {
        _dropped.Add(1, new KeyValuePair<string, object?>("esl_supervision.reason", "sink_failed"), new KeyValuePair<string, object?>("esl_supervision.target", "sink"));
        LogSinkDropped(Logger, kind);
    }

    [LoggerMessage(3050, LogLevel.Warning, "An Audit subscriber threw; the exception was isolated to that subscriber.")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception error);

    [LoggerMessage(3051, LogLevel.Warning, "Audit queue of a {Target} is full; an entry was dropped for it.")]
    private static partial void LogOverflow(ILogger logger, string target);

    [LoggerMessage(3052, LogLevel.Error, "Audit sink gave up on a {Kind} entry after repeated failures; dropped for that sink.")]
    private static partial void LogSinkDropped(ILogger logger, SupervisionAuditKind kind);

    [LoggerMessage(3053, LogLevel.Warning, "Audit sink write failed (try {Attempt}).")]
    private static partial void LogSinkFailed(ILogger logger, int attempt, Exception error);
}
