using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using EslSupervision.Calls;
using EslSupervision.Control;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EslSupervision.Cluster;

/// <summary>
/// Call supervision over several switches: one connection, call registry and <see cref="SupervisionController"/>
/// per switch (each resynchronised on its own, so a lost switch only affects its own calls), one registry view that
/// finds an agent's call wherever it is (<see cref="Registry"/>), and supervision across switches (the supervisor's
/// leg is moved to the agent's switch with a single-use token). This is what dashboards and audit use in cluster mode.
/// </summary>
/// <remarks>
/// Public because it is the cluster's entry point, registered by <c>AddEslSupervision</c> when
/// <c>EslSupervision:Switches</c> is configured: <see cref="ActiveSupervisions"/>, the merged <see cref="Audit"/>,
/// <see cref="StartSupervisionAsync(SupervisionStartRequest, string?, CancellationToken)"/>, <see cref="SwitchModeAsync"/> and <see cref="EndAsync"/> span every switch.
/// </remarks>
public sealed class SupervisionCluster : ISupervisionOperations, IAsyncDisposable, IDisposable
{
    private readonly Member[] _members;
    private bool _ownsConnections;
    private int _disposed;
    private int _started;

    private SupervisionCluster(IReadOnlyList<SwitchEndpoint> switches, IRelayTokens? tokens, TimeProvider time, IAgentLegRule? rule, ILoggerFactory loggerFactory)
    {
        Tokens = tokens;
        _members = [.. switches.Select(s => new Member(s.Name, s.Connection, new CallRegistry(rule ?? DefaultAgentLegRule.Instance, time, loggerFactory.CreateLogger<CallRegistry>()), s.DialString))];
        Directory = new ClusterCallRegistry(_members.Select(m => (m.Name, (ICallRegistry)m.Registry)), time);
        Audit = _members.Select(m => (IObservable<SupervisionAuditEvent>)new DeferredAudit(m)).Merge();
    }

    /// <summary>The switch names, in configuration order.</summary>
    public IReadOnlyList<string> Switches => [.. _members.Select(m => m.Name)];

    /// <summary>Every switch's calls as one registry: agents found wherever their call is, changes of every switch merged.</summary>
    public ICallRegistry Registry => Directory;

    /// <summary>Every supervision request, refusal, start, mode change and end on every switch (see <see cref="SupervisionController.Audit"/>).</summary>
    /// <remarks>Cross-switch supervisions name both switches (<see cref="SupervisionAuditEvent.SupervisorSwitch"/>, <see cref="SupervisionAuditEvent.AgentSwitch"/>).</remarks>
    public IObservable<SupervisionAuditEvent> Audit { get; }

    /// <summary>The supervisions running now on every switch; a cross-switch one is listed once, by the supervisor's own leg.</summary>
    public IReadOnlyList<SupervisionInfo> ActiveSupervisions => [.. _members.SelectMany(m => m.Controller.ActiveSupervisions)];

    /// <summary>
    /// The supervisions running now on every switch and every controller replica (see
    /// <see cref="SupervisionController.ListActiveSupervisionsAsync"/>); without replica coordination, <see cref="ActiveSupervisions"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the coordinator.</param>
    /// <returns>The supervisions, oldest first; a cross-switch one once, by the supervisor's own leg.</returns>
    /// <exception cref="SupervisionCoordinationException">The coordinator cannot answer (never a silently partial list).</exception>
    public ValueTask<IReadOnlyList<SupervisionInfo>> ListActiveSupervisionsAsync(CancellationToken cancellationToken = default)
        => Coordinator is { } coordinator
            ? ClusterWideSupervisions.ListAsync(coordinator, ActiveSupervisions, cancellationToken)
            : ValueTask.FromResult(ActiveSupervisions);

    internal ClusterCallRegistry Directory { get; }

    /// <summary>The coordinator the switches' controllers share with other replicas, if they coordinate.</summary>
    private ISupervisionCoordinator? Coordinator => _members.Select(m => m.Controller.Coordinator).FirstOrDefault(c => c is not null);

    internal IRelayTokens? Tokens { get; }

    /// <summary>The controller of one switch.</summary>
    /// <param name="switchName">The switch's configured name (case-insensitive).</param>
    /// <exception cref="ArgumentException">No switch has that name.</exception>
    public SupervisionController GetController(string switchName)
        => ControllerOf(switchName) ?? throw new ArgumentException("No switch is configured with that name.", nameof(switchName));

    /// <summary>
    /// Starts a supervision from code (see <see cref="SupervisionController.StartSupervisionAsync"/>): the supervisor's
    /// phone is called on <paramref name="supervisorSwitch"/>; if the agent's call is on another switch, the answered
    /// leg is moved there as for a service code, and the result is that switch's decision.
    /// </summary>
    /// <param name="request">Who, whom and how.</param>
    /// <param name="supervisorSwitch">
    /// The switch the supervisor's phone is registered on. When <see langword="null"/>, the switches are tried in
    /// configuration order and a switch where the phone is not registered (<c>USER_NOT_REGISTERED</c>,
    /// <c>SUBSCRIBER_ABSENT</c>) passes to the next; each try is audited on its switch.
    /// </param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ArgumentException">A value of <paramref name="request"/> is malformed, or no switch has that name.</exception>
    public async Task<SupervisionStartResult> StartSupervisionAsync(SupervisionStartRequest request, string? supervisorSwitch, CancellationToken cancellationToken = default)
    {
        if (supervisorSwitch is not null)
        {
            return await GetController(supervisorSwitch).StartSupervisionAsync(request, cancellationToken).ConfigureAwait(false);
        }

        SupervisionStartResult? result = null;
        foreach (Member member in _members)
        {
            result = await member.Controller.StartSupervisionAsync(request, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != SupervisionStartOutcome.Failed || result.HangupCause is not ("USER_NOT_REGISTERED" or "SUBSCRIBER_ABSENT"))
            {
                return result;
            }
        }

        return result!;
    }

    /// <inheritdoc cref="StartSupervisionAsync(SupervisionStartRequest, string?, CancellationToken)"/>
    /// <remarks>The phone is looked for on every switch, in configuration order.</remarks>
    public Task<SupervisionStartResult> StartSupervisionAsync(SupervisionStartRequest request, CancellationToken cancellationToken = default)
        => StartSupervisionAsync(request, supervisorSwitch: null, cancellationToken);

    /// <summary>Switches a running supervision on whichever switch runs it (by the supervisor's leg as listed in <see cref="ActiveSupervisions"/>).</summary>
    /// <param name="supervisorLegId">The supervisor's leg.</param>
    /// <param name="mode">The new mode.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    public Task<PermissionDecision> SwitchModeAsync(string supervisorLegId, SupervisionMode mode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(supervisorLegId);
        if (RunningOn(supervisorLegId) is { } controller)
        {
            return controller.SwitchModeAsync(supervisorLegId, mode, cancellationToken);
        }

        // Not here: with replicas, say which replica runs it (any member's controller answers for the cluster).
        return _members.Select(m => m.Controller).FirstOrDefault(c => c.Coordinator is not null) is { } anyone
            ? anyone.SwitchModeAsync(supervisorLegId, mode, cancellationToken)
            : Task.FromResult(ClusterWideSupervisions.NoSuchSupervision);
    }

    /// <summary>Ends a running supervision on whichever switch runs it; both switches' legs go.</summary>
    /// <param name="supervisorLegId">The supervisor's leg.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns><see langword="true"/> if a supervision was ended.</returns>
    public Task<bool> EndAsync(string supervisorLegId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(supervisorLegId);
        if (RunningOn(supervisorLegId) is { } controller)
        {
            return controller.EndAsync(supervisorLegId, cancellationToken);
        }

        // Handed over but not decided yet: ending the origin leg ends both halves.
        SupervisionController? relaying = _members.Select(m => m.Controller).FirstOrDefault(c => c.Relays(supervisorLegId));
        return relaying is null ? Task.FromResult(false) : relaying.EndAsync(supervisorLegId, cancellationToken);
    }

    /// <summary>This replica's id in leases, or <see langword="null"/> while the cluster does not coordinate with other replicas.</summary>
    public string? ReplicaId => _members[0].Controller.ReplicaId;

    /// <summary>
    /// Makes this cluster one of several controller replicas over the same switches: every switch's controller takes
    /// the lease on a supervisor's leg from <paramref name="coordinator"/> before deciding (see
    /// <see cref="SupervisionController.UseCoordination"/>), all under one replica id, so one replica runs both halves of
    /// a cross-switch supervision and another adopts them when it dies. Call it once, before <see cref="StartAsync"/>.
    /// </summary>
    /// <param name="coordinator">The coordinator shared by the replicas (for example Redis).</param>
    /// <param name="options">Replica id (generated once for the whole cluster when not set), lease time, renew interval.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    /// <exception cref="InvalidOperationException">The cluster was already started, or already coordinates.</exception>
    public void UseCoordination(ISupervisionCoordinator coordinator, SupervisionCoordinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(options);
        if (Volatile.Read(ref _started) != 0 || ReplicaId is not null)
        {
            throw new InvalidOperationException("Coordination is set once, before the cluster starts.");
        }

        var validation = new SupervisionCoordinationOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException("Invalid coordination settings: " + validation.FailureMessage, nameof(options));
        }

        // Resolved once: every switch's controller leases under the same id, so "this process relays that leg" and
        // "this replica holds that lease" mean the same thing across the switches.
        var shared = new SupervisionCoordinationOptions
        {
            ReplicaId = options.ResolveReplicaId(),
            LeaseTime = options.LeaseTime,
            RenewInterval = options.RenewInterval,
            RefusalSettleWindow = options.RefusalSettleWindow,
        };
        foreach (Member member in _members)
        {
            member.Controller.UseCoordination(coordinator, shared);
        }
    }

    /// <summary>Starts every switch's controller (connections must be connected); for use without the host.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _started, 1);
        return Task.WhenAll(_members.Select(m => m.Controller.StartAsync(cancellationToken)));
    }

    /// <summary>The synchronous form of <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops every controller (running supervisions stay up in the switches) and drops the registries; the connections are closed only if the cluster made them (under DI).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(_members.Select(m => m.Controller.DisposeAsync().AsTask())).ConfigureAwait(false);
        foreach (Member member in _members)
        {
            member.Registry.Dispose();
            if (_ownsConnections && member.Connection is IAsyncDisposable connection)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Builds the cluster: per switch a registry and a controller whose authorizer sees every switch's calls.</summary>
    internal static SupervisionCluster Create(
        IReadOnlyList<SwitchEndpoint> switches,
        ISupervisionPermissionProvider permissions,
        IOptionsMonitor<SupervisionOptions> options,
        IRelayTokens? tokens = null,
        ITenantPolicy? tenantPolicy = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null,
        IEnumerable<ISupervisionAuditSink>? auditSinks = null,
        IAgentLegRule? rule = null,
        bool ownsConnections = false)
    {
        ArgumentNullException.ThrowIfNull(switches);
        ArgumentNullException.ThrowIfNull(permissions);
        ArgumentNullException.ThrowIfNull(options);
        if (switches.Count == 0 || switches.Select(s => s.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() != switches.Count)
        {
            throw new ArgumentException("A cluster needs at least one switch, each with its own name.", nameof(switches));
        }

        TimeProvider time = timeProvider ?? TimeProvider.System;
        ILoggerFactory factory = loggerFactory ?? NullLoggerFactory.Instance;
        ISupervisionAuditSink[] sinks = [.. auditSinks ?? []];
        var cluster = new SupervisionCluster(switches, tokens, time, rule, factory) { _ownsConnections = ownsConnections };
        foreach (Member member in cluster._members)
        {
            // One decision for every switch: the same provider, tenant policy and guards, over the cluster's registry.
            var authorizer = new SupervisionAuthorizer(permissions, cluster.Directory, options, time, factory.CreateLogger<SupervisionAuthorizer>(), tenantPolicy);
            var controller = new SupervisionController(member.Connection, member.Registry, authorizer, options, time, factory, meterFactory, sinks);
            controller.JoinCluster(new ClusterLink(cluster, member.Name));
            member.Controller = controller;
        }

        return cluster;
    }

    internal SupervisionController? ControllerOf(string switchName)
        => _members.FirstOrDefault(m => string.Equals(m.Name, switchName, StringComparison.OrdinalIgnoreCase))?.Controller;

    /// <summary>The connection of one switch.</summary>
    internal IEslConnection ConnectionOf(string switchName)
        => _members.First(m => string.Equals(m.Name, switchName, StringComparison.OrdinalIgnoreCase)).Connection;

    internal string? DialStringOf(string switchName)
        => _members.FirstOrDefault(m => string.Equals(m.Name, switchName, StringComparison.OrdinalIgnoreCase))?.DialString;

    /// <summary>The registry of one switch (tests and the host wait on it).</summary>
    internal CallRegistry RegistryOf(string switchName)
        => _members.First(m => string.Equals(m.Name, switchName, StringComparison.OrdinalIgnoreCase)).Registry;

    private SupervisionController? RunningOn(string supervisorLegId)
        => _members.Select(m => m.Controller).FirstOrDefault(c => c.Runs(supervisorLegId));

    /// <summary>A switch of the cluster, as configured.</summary>
    /// <param name="Name">Its name.</param>
    /// <param name="Connection">Its inbound Event Socket connection.</param>
    /// <param name="DialString">How the other switches reach it for supervision (with <c>{destination}</c>); none = it cannot be reached.</param>
    internal sealed record SwitchEndpoint(string Name, IEslConnection Connection, string? DialString);

    private sealed class Member(string name, IEslConnection connection, CallRegistry registry, string? dialString)
    {
        public string Name { get; } = name;

        public IEslConnection Connection { get; } = connection;

        public CallRegistry Registry { get; } = registry;

        public string? DialString { get; } = dialString;

        public SupervisionController Controller { get; set; } = null!;
    }

    /// <summary>Subscribes to a member's controller when the merged stream is subscribed (controllers are built after the stream).</summary>
    private sealed class DeferredAudit(Member member) : IObservable<SupervisionAuditEvent>
    {
        public IDisposable Subscribe(IObserver<SupervisionAuditEvent> observer) => member.Controller.Audit.Subscribe(observer);
    }
}
