namespace EslSupervision.EventSocket.Client;

/// <summary>
/// Exponential backoff with "equal jitter": the delay doubles per failed attempt up to a maximum, and a random
/// half of it is added, so a fleet of clients that lost the same switch does not come back in lock step.
/// </summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, Func<double>? random = null)
    {
        _min = min;
        _max = max < min ? min : max;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The upper bound of the delay before attempt <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan Ceiling(int attempt)
    {
        double ticks = _min.Ticks * Math.Pow(2, Math.Min(attempt, 30));
        return TimeSpan.FromTicks((long)Math.Min(ticks, _max.Ticks));
    }

    /// <summary>A delay between half the ceiling and the ceiling.</summary>
    public TimeSpan Next(int attempt)
    {
        TimeSpan ceiling = Ceiling(attempt);
        return TimeSpan.FromTicks((long)(ceiling.Ticks * (0.5 + (0.5 * _random()))));
    }
}
