using System.Diagnostics.Metrics;

namespace EslSupervision.Tests;

/// <summary>Sums one instrument of the library's meter while it lives (other tests may add to it too: assert lower bounds).</summary>
internal sealed class MetricProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total;

    public MetricProbe(string instrument, string? tagValue = null)
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == EslSupervision.EventSocket.EslTelemetry.MeterName && i.Name == instrument)
            {
                l.EnableMeasurementEvents(i);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tagValue is null || tags.ToArray().Any(t => Equals(t.Value, tagValue)))
            {
                Interlocked.Add(ref _total, value);
            }
        });
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);

    public void Dispose() => _listener.Dispose();
}
