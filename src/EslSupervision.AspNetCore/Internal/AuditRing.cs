using EslSupervision.Control;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// The most recent audit entries of every tenant, fed by <see cref="ISupervisionOperations.Audit"/> (the controller's
/// stream with one switch, the cluster's merged stream with several; it never waits for this subscriber). Bounded: the oldest entry goes when a new one comes.
/// </summary>
internal sealed class AuditRing : IHostedService, IDisposable
{
    private readonly ISupervisionOperations _operations;
    private readonly SupervisionAuditEvent[] _ring;
    private readonly object _gate = new();
    private long _count;
    private IDisposable? _subscription;

    public AuditRing(ISupervisionOperations operations, IOptions<EslSupervisionDashboardOptions> options)
    {
        _operations = operations;
        _ring = new SupervisionAuditEvent[Math.Max(1, options.Value.AuditCapacity)];
    }

    /// <summary>Raised after each new entry (on the audit stream's delivery loop; handlers must be quick).</summary>
    public event Action<SupervisionAuditEvent>? Added;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription ??= _operations.Audit.Subscribe(Add);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
    }

    internal void Add(SupervisionAuditEvent entry)
    {
        lock (_gate)
        {
            _ring[_count % _ring.Length] = entry;
            _count++;
        }

        Added?.Invoke(entry);
    }

    /// <summary>The newest entries of one tenant (by supervisor or agent), newest first.</summary>
    public IReadOnlyList<SupervisionAuditEvent> Recent(string tenant, int take)
    {
        var result = new List<SupervisionAuditEvent>(Math.Min(take, 64));
        lock (_gate)
        {
            long first = Math.Max(0, _count - _ring.Length);
            for (long i = _count - 1; i >= first && result.Count < take; i--)
            {
                SupervisionAuditEvent e = _ring[i % _ring.Length];
                if (BelongsTo(e, tenant))
                {
                    result.Add(e);
                }
            }
        }

        return result;
    }

    public static bool BelongsTo(SupervisionAuditEvent e, string tenant)
        => string.Equals(e.Supervisor?.Tenant ?? e.Agent?.Tenant, tenant, StringComparison.OrdinalIgnoreCase);
}
