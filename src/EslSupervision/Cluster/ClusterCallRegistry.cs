using System.Reactive.Linq;
using EslSupervision.Calls;
using EslSupervision.EventSocket;

namespace EslSupervision.Cluster;

/// <summary>
/// The read side of every switch's <see cref="ICallRegistry"/> as one: a leg is found wherever it is, an agent's
/// active leg by (tenant, extension) on any switch, and <see cref="SwitchOf"/> says which switch holds a leg.
/// Each switch keeps its own registry, fed and resynchronised by its own controller, so a lost switch only leaves
/// its own legs stale and a resync of one switch never touches another's.
/// </summary>
/// <remarks>
/// The write side (<see cref="Apply"/>, <see cref="ResyncAsync"/>) belongs to each switch's own registry: events
/// and snapshots come from one connection, and applying them here could not say which switch they came from.
/// </remarks>
internal sealed class ClusterCallRegistry : ICallRegistry
{
    private readonly (string Name, ICallRegistry Registry)[] _switches;
    private readonly TimeProvider _time;

    public ClusterCallRegistry(IEnumerable<(string Name, ICallRegistry Registry)> switches, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(switches);
        _switches = [.. switches];
        if (_switches.Length == 0)
        {
            throw new ArgumentException("A cluster needs at least one switch.", nameof(switches));
        }

        _time = timeProvider ?? TimeProvider.System;

        // Each registry serializes its own notifications; Merge serializes them across switches.
        Changes = _switches.Select(s => s.Registry.Changes).Merge();
    }

    /// <summary>The switch names, in configuration order.</summary>
    public IReadOnlyList<string> SwitchNames => [.. _switches.Select(s => s.Name)];

    /// <inheritdoc/>
    public IObservable<CallChange> Changes { get; }

    /// <summary>The registry of one switch.</summary>
    /// <param name="name">The switch's configured name (case-insensitive).</param>
    public ICallRegistry? RegistryOf(string name)
    {
        foreach ((string n, ICallRegistry r) in _switches)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>The name of the switch whose registry holds the leg, or <see langword="null"/> if none does.</summary>
    /// <param name="uniqueId">The leg's UUID.</param>
    public string? SwitchOf(string uniqueId)
    {
        ArgumentNullException.ThrowIfNull(uniqueId);
        foreach ((string name, ICallRegistry registry) in _switches)
        {
            if (registry.GetLeg(uniqueId) is not null)
            {
                return name;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public CallRegistrySnapshot GetSnapshot()
    {
        var legs = new List<CallLeg>();
        foreach ((_, ICallRegistry registry) in _switches)
        {
            legs.AddRange(registry.GetSnapshot().Legs);
        }

        return new CallRegistrySnapshot(legs, _time.GetUtcNow());
    }

    /// <inheritdoc/>
    public CallLeg? GetLeg(string uniqueId)
    {
        ArgumentNullException.ThrowIfNull(uniqueId);
        foreach ((_, ICallRegistry registry) in _switches)
        {
            if (registry.GetLeg(uniqueId) is { } leg)
            {
                return leg;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    /// <remarks>The most recently bridged leg over every switch, as one registry picks among its own.</remarks>
    public CallLeg? FindActiveAgentLeg(string tenant, string extension)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(extension);
        CallLeg? best = null;
        foreach ((_, ICallRegistry registry) in _switches)
        {
            if (registry.FindActiveAgentLeg(tenant, extension) is { } leg
                && (best is null || (leg.BridgedAt ?? leg.StateSince) > (best.BridgedAt ?? best.StateSince)))
            {
                best = leg;
            }
        }

        return best;
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: events are applied to the registry of the switch that sent them.</exception>
    public void Apply(EslEvent channelEvent)
        => throw new NotSupportedException("Events are applied to the registry of the switch that sent them, not to the cluster's view.");

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: each switch's controller resynchronises its own registry.</exception>
    public Task<CallRegistryResyncResult> ResyncAsync(IEslConnection connection, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("Each switch's controller resynchronises its own registry.");
}
