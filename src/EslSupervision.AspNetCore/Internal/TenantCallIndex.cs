using System.Collections.Concurrent;
using EslSupervision.Calls;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>
/// Which agent legs belong to which tenant, kept up to date from the registry's changes, so a tenant's "Current calls"
/// are built from that tenant's few legs instead of a snapshot of the whole switch, once per change of the tenant
/// (<see cref="TenantCalls"/>) and shared by every stream of it. Streams watch their own tenant only: a change in one
/// tenant wakes no stream of another.
/// </summary>
/// <remarks>
/// The index is a superset (it may still name a leg that has ended or moved); what is shown is always decided again
/// from the registry's current legs, by the leg's own agent tenant. Change handlers run on this index's own delivery
/// loop (the registry never waits for it; if the index falls far behind, the registry catches it up with the
/// differences): they only touch small sets and wake streams.
/// </remarks>
internal sealed class TenantCallIndex : IDisposable
{
    private readonly ICallRegistry _registry;
    private readonly ConcurrentDictionary<string, TenantEntry> _tenants = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _tenantOfLeg = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;

    public TenantCallIndex(ICallRegistry registry)
    {
        _registry = registry;

        // Subscribe before seeding: a change in between is seen twice at worst, never missed.
        _subscription = registry.Changes.Subscribe(OnChange, _ => { });
        foreach (CallLeg leg in registry.GetSnapshot().Legs)
        {
            Track(leg);
        }
    }

    /// <summary>Calls <paramref name="changed"/> after every change that concerns <paramref name="tenant"/> (on the index's change-delivery loop; keep it quick).</summary>
    public IDisposable Watch(string tenant, Action changed) => Entry(tenant).Watch(changed);

    /// <summary>The tenant's change counter: moves on every change that concerns it.</summary>
    public long Version(string tenant) => Entry(tenant).Version;

    /// <summary>The agent legs that may belong to <paramref name="tenant"/> now (a superset; check each leg).</summary>
    public string[] Candidates(string tenant) => Entry(tenant).Legs();

    /// <summary>Forgets a leg the registry no longer has (found while building).</summary>
    public void Forget(string tenant, string legId)
    {
        Entry(tenant).Remove(legId);
        _tenantOfLeg.TryRemove(new KeyValuePair<string, string>(legId, tenant));
    }

    public void Dispose() => _subscription.Dispose();

    internal TenantEntry Entry(string tenant) => _tenants.GetOrAdd(tenant, static _ => new TenantEntry());

    private void OnChange(CallChange change)
    {
        CallLeg leg = change.Leg;
        Track(leg);

        // The client's leg has no tenant: its changes (its number, its end) concern the tenant of the agent it talks to.
        string? partnerTenant = leg.BridgedTo is { } partner ? _registry.GetLeg(partner)?.Tenant : null;
        if (leg.Tenant is { } tenant)
        {
            Entry(tenant).Changed();
        }

        if (partnerTenant is not null && !string.Equals(partnerTenant, leg.Tenant, StringComparison.OrdinalIgnoreCase))
        {
            Entry(partnerTenant).Changed();
        }
    }

    private void Track(CallLeg leg)
    {
        string? tenant = leg.State == CallLegState.Ended ? null : leg.Agent?.Tenant;
        if (_tenantOfLeg.TryGetValue(leg.UniqueId, out string? before) && !string.Equals(before, tenant, StringComparison.OrdinalIgnoreCase))
        {
            // Ended, or its identity moved it: it leaves the old tenant's set (which is woken, so the row disappears).
            TenantEntry old = Entry(before);
            old.Remove(leg.UniqueId);
            old.Changed();
            _tenantOfLeg.TryRemove(leg.UniqueId, out _);
        }

        if (tenant is not null && !string.Equals(before, tenant, StringComparison.OrdinalIgnoreCase))
        {
            _tenantOfLeg[leg.UniqueId] = tenant;
            Entry(tenant).Add(leg.UniqueId);
        }
    }

    /// <summary>One tenant: its legs, its change counter, its watchers and the last state built from them.</summary>
    internal sealed class TenantEntry
    {
        private readonly HashSet<string> _legs = new(StringComparer.Ordinal);
        private Action[] _watchers = [];
        private long _version;
        private volatile TenantCalls? _cached;

        /// <summary>The last rows built, shared by every stream of the tenant (written under the entry's own lock).</summary>
        public TenantCalls? Cached
        {
            get => _cached;
            set => _cached = value;
        }

        public long Version => Volatile.Read(ref _version);

        public string[] Legs()
        {
            lock (_legs)
            {
                return [.. _legs];
            }
        }

        public void Add(string legId)
        {
            lock (_legs)
            {
                _legs.Add(legId);
            }
        }

        public void Remove(string legId)
        {
            lock (_legs)
            {
                _legs.Remove(legId);
            }
        }

        public void Changed()
        {
            Interlocked.Increment(ref _version);
            foreach (Action watcher in Volatile.Read(ref _watchers))
            {
                watcher();
            }
        }

        public IDisposable Watch(Action changed)
        {
            lock (_legs)
            {
                _watchers = [.. _watchers, changed];
            }

            return new Watcher(this, changed);
        }

        private void Unwatch(Action changed)
        {
            lock (_legs)
            {
                _watchers = [.. _watchers.Where(w => !ReferenceEquals(w, changed))];
            }
        }

        private sealed class Watcher(TenantEntry entry, Action changed) : IDisposable
        {
            private int _done;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _done, 1) == 0)
                {
                    entry.Unwatch(changed);
                }
            }
        }
    }
}
