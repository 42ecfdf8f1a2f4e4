using System.Diagnostics;
using System.Diagnostics.Metrics;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <summary>
/// The supervision instruments, on the library's one meter (<see cref="EslTelemetry.MeterName"/>). Tags are
/// low-cardinality (mode, reason, trigger); never a UUID, an extension or a number.
/// </summary>
internal sealed class SupervisionTelemetry
{
    public static ActivitySource ActivitySource => EslTelemetry.ActivitySource;

    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _started;
    private readonly Counter<long> _denied;
    private readonly Counter<long> _modeSwitches;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _eventsLost;
    private readonly Counter<long> _gapResyncs;
    private readonly Counter<long> _relayed;

    public SupervisionTelemetry(IMeterFactory? factory)
    {
        Meter meter = EslTelemetry.GetMeter(factory);
        _active = meter.CreateUpDownCounter<long>("esl_supervision.supervisions.active", "{supervision}", "Supervisions running now.");
        _started = meter.CreateCounter<long>("esl_supervision.supervisions.started", "{supervision}", "Supervisions started (eavesdrop running).");
        _denied = meter.CreateCounter<long>("esl_supervision.supervisions.denied", "{supervision}", "Supervision requests and mode switches refused.");
        _modeSwitches = meter.CreateCounter<long>("esl_supervision.mode_switches", "{switch}", "Mode switches applied.");
        _eventsLost = meter.CreateCounter<long>("esl_supervision.events.lost", "{event}", "Events the controller's own buffer dropped because it fell behind.");
        _gapResyncs = meter.CreateCounter<long>("esl_supervision.registry.gap_resyncs", "{resync}", "Call registry resyncs run because events were lost.");
        _relayed = meter.CreateCounter<long>("esl_supervision.supervisions.relayed", "{supervision}", "Supervisor legs handed to the agent's switch (cluster mode).");
        _duration = meter.CreateHistogram<double>("esl_supervision.supervision.duration", "s", "How long supervisions ran.");
    }

    public void EventsLost(long count) => _eventsLost.Add(count);

    public void GapResync() => _gapResyncs.Add(1);

    public void Relayed(SupervisionMode mode) => _relayed.Add(1, new KeyValuePair<string, object?>("esl_supervision.mode", ModeTag(mode)));

    public void Started(SupervisionMode mode, bool adopted)
    {
        _active.Add(1);
        _started.Add(1, new KeyValuePair<string, object?>("esl_supervision.mode", ModeTag(mode)), new KeyValuePair<string, object?>("esl_supervision.adopted", adopted));
    }

    public void Denied(DenialReason reason, bool modeSwitch)
        => _denied.Add(1, new KeyValuePair<string, object?>("esl_supervision.reason", reason.ToString()), new KeyValuePair<string, object?>("esl_supervision.mode_switch", modeSwitch));

    public void ModeSwitched(SupervisionMode mode, SupervisionTrigger trigger)
        => _modeSwitches.Add(1, new KeyValuePair<string, object?>("esl_supervision.mode", ModeTag(mode)), new KeyValuePair<string, object?>("esl_supervision.trigger", trigger.ToString()));

    public void Ended(SupervisionEndReason reason, TimeSpan duration)
    {
        _active.Add(-1);
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("esl_supervision.end_reason", reason.ToString()));
    }

    private static string ModeTag(SupervisionMode mode) => mode switch
    {
        SupervisionMode.Whisper => "whisper",
        SupervisionMode.Barge => "barge",
        _ => "spy",
    };
}
