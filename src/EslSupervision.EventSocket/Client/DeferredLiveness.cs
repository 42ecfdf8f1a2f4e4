namespace EslSupervision.EventSocket.Client;

/// <summary>
/// The liveness <c>HEARTBEAT</c> subscription of a fresh connection, held back instead of written right after
/// <c>auth</c>: the caller's first <c>event</c> command carries it, so that command is the first one on the wire
/// (a peer may start streaming on it) and no extra round trip is paid. If nothing subscribes within a grace, a
/// standalone subscription is written once, so an idle connection still gets the heartbeats liveness relies on.
/// </summary>
internal sealed class DeferredLiveness : IDisposable
{
    private const string Heartbeat = "HEARTBEAT";

    private readonly TimeProvider _time;
    private readonly Func<EslConnectionCore, Task> _subscribeStandalone;

    /// <summary>The connection on which liveness is still pending, with its grace timer; <see langword="null"/> when none is.</summary>
    private Pending? _pending;

    /// <param name="time">The clock of the grace timer.</param>
    /// <param name="subscribeStandalone">Writes <c>event &lt;format&gt; HEARTBEAT</c> on a connection; must never throw.</param>
    public DeferredLiveness(TimeProvider time, Func<EslConnectionCore, Task> subscribeStandalone)
    {
        _time = time;
        _subscribeStandalone = subscribeStandalone;
    }

    /// <summary>The grace before the standalone subscription: short next to the liveness timeout, so detection is unchanged.</summary>
    public static TimeSpan Grace(TimeSpan livenessTimeout)
        => TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond * 5, livenessTimeout.Ticks / 4));

    /// <summary>Marks liveness pending on <paramref name="core"/>, which has not subscribed to anything yet.</summary>
    public void Defer(EslConnectionCore core, TimeSpan grace)
    {
        var pending = new Pending(core, this);
        Interlocked.Exchange(ref _pending, pending)?.Timer?.Dispose();

        // Created after publication, so a grace that fires at once already finds the pending state.
        ITimer timer = _time.CreateTimer(static state => ((Pending)state!).Owner.OnGraceElapsed((Pending)state), pending, grace, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref pending.Timer, timer);
        if (!ReferenceEquals(Volatile.Read(ref _pending), pending))
        {
            // Cancelled or replaced while the timer was being created.
            timer.Dispose();
        }
    }

    /// <summary>
    /// The names an <c>event</c> command on <paramref name="core"/> should carry: <c>HEARTBEAT</c> is added while it is
    /// pending there, unless <c>ALL</c> or <c>HEARTBEAT</c> already covers it.
    /// </summary>
    /// <returns><see langword="true"/> when the command, once acknowledged, subscribes the liveness events.</returns>
    public bool Carry(EslConnectionCore core, ref string[] names)
    {
        if (Volatile.Read(ref _pending) is not { } pending || !ReferenceEquals(pending.Core, core))
        {
            return false;
        }

        if (!names.Any(n => string.Equals(n, "ALL", StringComparison.OrdinalIgnoreCase) || string.Equals(n, Heartbeat, StringComparison.OrdinalIgnoreCase)))
        {
            names = [.. names, Heartbeat];
        }

        return true;
    }

    /// <summary>An <c>event</c> command covering <c>HEARTBEAT</c> was acknowledged on <paramref name="core"/>: liveness is no longer pending.</summary>
    public void Acknowledged(EslConnectionCore core) => Release(core);

    /// <summary><paramref name="core"/> closed: its grace timer stops (a later connection's deferral is left alone).</summary>
    public void Closed(EslConnectionCore core) => Release(core);

    /// <summary>Nothing is pending any more; stops the grace timer.</summary>
    public void Cancel() => Interlocked.Exchange(ref _pending, null)?.Timer?.Dispose();

    public void Dispose() => Cancel();

    private void Release(EslConnectionCore core)
    {
        if (Volatile.Read(ref _pending) is { } pending && ReferenceEquals(pending.Core, core)
            && ReferenceEquals(Interlocked.CompareExchange(ref _pending, null, pending), pending))
        {
            pending.Timer?.Dispose();
        }
    }

    private void OnGraceElapsed(Pending pending)
    {
        // Once per deferral, and only while it is still the pending one: never two standalone subscriptions.
        if (!ReferenceEquals(Volatile.Read(ref _pending), pending) || Interlocked.Exchange(ref pending.Fired, 1) != 0)
        {
            return;
        }

        // Left pending until acknowledged: if this one fails, the next event command still carries HEARTBEAT.
        _ = _subscribeStandalone(pending.Core);
    }

    private sealed class Pending(EslConnectionCore core, DeferredLiveness owner)
    {
        public readonly EslConnectionCore Core = core;
        public readonly DeferredLiveness Owner = owner;
        public int Fired;
        public ITimer? Timer;
    }
}
