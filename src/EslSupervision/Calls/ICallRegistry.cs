using EslSupervision.Control;
using EslSupervision.EventSocket;

namespace EslSupervision.Calls;

/// <summary>
/// The live call registry: what the switch is doing now and every change (the read side, for dashboards), and
/// how the controller keeps it current (<see cref="Apply"/>, <see cref="ResyncAsync"/>).
/// </summary>
/// <remarks>
/// Public because dashboards read it and because it is a replacement point: the controller and the authorizer
/// depend on this interface, so a PBX that already tracks its calls can register its own (<c>TryAdd</c>: yours
/// wins). <see cref="CallRegistry"/> is the default.
/// </remarks>
public interface ICallRegistry
{
    /// <summary>
    /// Every change, in the order it was applied. Hot: subscribers see changes from the moment they subscribe
    /// (subscribe, then take <see cref="GetSnapshot"/>: a change in between is seen twice at worst, never missed).
    /// Notifications are serialized per subscriber. <see cref="CallRegistry"/> notifies each subscriber on its own
    /// delivery loop, never on the thread that applies events, and catches up a subscriber that falls far behind
    /// (see <see cref="CallRegistry.Changes"/>).
    /// </summary>
    IObservable<CallChange> Changes { get; }

    /// <summary>An immutable snapshot of every tracked leg.</summary>
    CallRegistrySnapshot GetSnapshot();

    /// <summary>One leg by its <c>Unique-ID</c>, or <see langword="null"/> if it is not tracked.</summary>
    /// <param name="uniqueId">The channel's UUID.</param>
    CallLeg? GetLeg(string uniqueId);

    /// <summary>
    /// The agent's own leg of an active <b>bridged</b> call (answered-but-never-bridged legs, such as ring-group
    /// losers, do not count); the most recently bridged one if there are several; <see langword="null"/> if none.
    /// </summary>
    /// <param name="tenant">The tenant (PBX domain); case-insensitive.</param>
    /// <param name="extension">The agent's extension.</param>
    CallLeg? FindActiveAgentLeg(string tenant, string extension);

    /// <summary>Applies one event received on the controller's connection (channel events change the registry; others are ignored).</summary>
    /// <param name="channelEvent">The event.</param>
    void Apply(EslEvent channelEvent);

    /// <summary>
    /// Replaces the registry's state with what the switch reports now; the controller calls it after every (re)connect,
    /// once its events are subscribed.
    /// </summary>
    /// <param name="connection">The connection to read from.</param>
    /// <param name="cancellationToken">Stops the resync; the previous state is kept.</param>
    /// <exception cref="CallRegistryResyncException">The switch's channel or call list could not be read; the previous state is kept.</exception>
    Task<CallRegistryResyncResult> ResyncAsync(IEslConnection connection, CancellationToken cancellationToken = default);
}

/// <summary>An immutable snapshot of the registry, for dashboards.</summary>
/// <remarks>Public because <see cref="ICallRegistry.GetSnapshot"/> returns it.</remarks>
public sealed class CallRegistrySnapshot
{
    private readonly Dictionary<string, CallLeg> _byId;

    internal CallRegistrySnapshot(IReadOnlyList<CallLeg> legs, DateTimeOffset takenAt)
    {
        Legs = legs;
        TakenAt = takenAt;
        _byId = new Dictionary<string, CallLeg>(legs.Count, StringComparer.Ordinal);
        foreach (CallLeg leg in legs)
        {
            _byId[leg.UniqueId] = leg;
        }

        var supervisions = new List<SupervisionInfo>();
        foreach (CallLeg leg in legs)
        {
            if (leg.Supervising is { } s)
            {
                UserIdentity? agent = _byId.TryGetValue(s.TargetLegId, out CallLeg? target) ? target.Agent : null;
                supervisions.Add(new SupervisionInfo(leg.UniqueId, leg.AuthenticatedUser, s.TargetLegId, agent, s.Mode, s.Since));
            }
        }

        Supervisions = supervisions;
    }

    /// <summary>When the snapshot was taken.</summary>
    public DateTimeOffset TakenAt { get; }

    /// <summary>Every tracked leg.</summary>
    public IReadOnlyList<CallLeg> Legs { get; }

    /// <summary>Every supervision in progress.</summary>
    public IReadOnlyList<SupervisionInfo> Supervisions { get; }

    /// <summary>
    /// The legs of one tenant: those whose agent or authenticated user belongs to it, plus the legs bridged to
    /// them (the clients they talk to).
    /// </summary>
    /// <param name="tenant">The tenant's PBX domain; case-insensitive.</param>
    public IReadOnlyList<CallLeg> ForTenant(string tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var result = new List<CallLeg>();
        foreach (CallLeg leg in Legs)
        {
            if (IsTenant(leg, tenant)
                || (leg.BridgedTo is { } partnerId && _byId.TryGetValue(partnerId, out CallLeg? partner) && IsTenant(partner, tenant)))
            {
                result.Add(leg);
            }
        }

        return result;
    }

    /// <summary>The supervisions in progress in one tenant (by the supervisor's or agent's tenant).</summary>
    /// <param name="tenant">The tenant's PBX domain; case-insensitive.</param>
    public IReadOnlyList<SupervisionInfo> SupervisionsForTenant(string tenant)
        => Supervisions.Where(s => string.Equals(s.Supervisor?.Tenant ?? s.Agent?.Tenant, tenant, StringComparison.OrdinalIgnoreCase)).ToList();

    private static bool IsTenant(CallLeg leg, string tenant) => string.Equals(leg.Tenant, tenant, StringComparison.OrdinalIgnoreCase);
}
