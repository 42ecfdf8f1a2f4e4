using System.Text.RegularExpressions;
using System.Threading.Channels;
using EslSupervision.Testing.Internal;

namespace EslSupervision.Testing;

/// <content>
/// Peer links between fakes, modelled as SIP trunks. Each switch keeps its own lock; nothing holds two switches' locks at
/// once. What one switch does to another (INVITE, answer, BYE/CANCEL, RFC 2833 digits, a lost peer) is posted to the other
/// switch's inbox and applied there in order under its own lock, so effects across a link are asynchronous, as between two
/// real switches: await them with <see cref="WaitForChannelAsync"/> / <see cref="WaitForTrunkCallAsync"/>.
/// </content>
public sealed partial class FakeFreeSwitch
{
    private static int s_sipPorts;
    private readonly object _linkSync = new();
    private readonly Dictionary<string, FakeFreeSwitch> _gateways = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<FakeFreeSwitch> _peers = [];
    private Channel<(Action Work, Action? Dropped)>? _inbox;
    private Task _inboxLoop = Task.CompletedTask;
    private bool _stopped;
    private SipAddress? _sipAddress;

    /// <summary>This switch's SIP address as <c>host:port</c> (<see cref="FakeFreeSwitchOptions.SipAddress"/>, or the unique default).</summary>
    public string SipAddress => Sip.ToString();

    /// <summary>The switches linked with this one, in either direction (directly, not through others).</summary>
    public IReadOnlyList<FakeFreeSwitch> Peers
    {
        get { lock (_linkSync) { return [.. _peers]; } }
    }

    internal SipAddress Sip
    {
        get
        {
            lock (_linkSync)
            {
                if (_sipAddress is null)
                {
                    if (Options.SipAddress is { } configured)
                    {
                        _sipAddress = Internal.SipAddress.TryParse(configured, out var parsed)
                            ? parsed
                            : throw new InvalidOperationException($"FakeFreeSwitchOptions.SipAddress '{configured}' is not host or host:port.");
                    }
                    else
                    {
                        _sipAddress = new SipAddress("127.0.0.1", 20000 + (Interlocked.Increment(ref s_sipPorts) % 40000));
                    }
                }

                return _sipAddress.Value;
            }
        }
    }

    /// <summary>
    /// Links this switch to <paramref name="peer"/> like a SIP trunk: this switch gets a gateway named
    /// <paramref name="gatewayName"/> to the peer, so <c>bridge sofia/gateway/&lt;gatewayName&gt;/&lt;dest&gt;</c> here creates
    /// an inbound call to <c>&lt;dest&gt;</c> on the peer; <c>bridge sofia/&lt;profile&gt;/&lt;dest&gt;@&lt;host&gt;[:port]</c> reaches
    /// any linked switch (either direction) whose <see cref="SipAddress"/> it names. A link is one-way for gateways: pass
    /// <paramref name="returnGatewayName"/> to give the peer a gateway back (the same as calling <c>peer.LinkPeer(this, ...)</c>).
    /// Audio, digits and hang-ups cross a link both ways once a call is up. The peer admits calls by its own
    /// <see cref="FakeFreeSwitchOptions.TrunkCallFilter"/>.
    /// </summary>
    /// <param name="peer">The other switch.</param>
    /// <param name="gatewayName">The gateway name on this switch (<c>[A-Za-z0-9_.-]+</c>), unique on this switch.</param>
    /// <param name="returnGatewayName">When set, the gateway name on the peer that leads back to this switch.</param>
    /// <exception cref="ArgumentException">The peer is this switch, a name is invalid, or both switches have the same SIP address.</exception>
    /// <exception cref="InvalidOperationException">A gateway of that name exists already, or a switch is disposed.</exception>
    public void LinkPeer(FakeFreeSwitch peer, string gatewayName, string? returnGatewayName = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer == this)
        {
            throw new ArgumentException("A switch cannot be its own peer.", nameof(peer));
        }

        if (!IsGatewayName(gatewayName))
        {
            throw new ArgumentException("A gateway name is [A-Za-z0-9_.-]+.", nameof(gatewayName));
        }

        if (returnGatewayName is not null && !IsGatewayName(returnGatewayName))
        {
            throw new ArgumentException("A gateway name is [A-Za-z0-9_.-]+.", nameof(returnGatewayName));
        }

        if (peer.Sip == Sip)
        {
            throw new ArgumentException($"Both switches have the SIP address {Sip}; give each its own FakeFreeSwitchOptions.SipAddress.", nameof(peer));
        }

        AddGateway(gatewayName, peer);
        if (returnGatewayName is not null)
        {
            peer.AddGateway(returnGatewayName, this);
        }
    }

    /// <summary>Waits until a call arriving over a peer link to <paramref name="destinationNumber"/> exists on this switch.</summary>
    /// <param name="destinationNumber">The destination the caller dialled (e.g. the token of a supervision hand-off).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The inbound trunk leg.</returns>
    public Task<FakeChannel> WaitForTrunkCallAsync(string destinationNumber, CancellationToken cancellationToken = default) =>
        WaitForChannelAsync(c => c.Trunk is { Outbound: false } && c.DestinationNumber == destinationNumber, cancellationToken);

    private static bool IsGatewayName(string? name) => name is { Length: > 0 and <= 64 } && Regex.IsMatch(name, "^[A-Za-z0-9_.-]+$", RegexOptions.CultureInvariant);

    private void AddGateway(string name, FakeFreeSwitch peer)
    {
        lock (_linkSync)
        {
            if (_stopped)
            {
                throw new InvalidOperationException("The switch is disposed.");
            }

            if (!_gateways.TryAdd(name, peer))
            {
                throw new InvalidOperationException($"Gateway '{name}' exists already.");
            }

            _peers.Add(peer);
        }

        lock (peer._linkSync)
        {
            peer._peers.Add(this);
        }

        EnsureInbox();
        peer.EnsureInbox();
    }

    internal FakeFreeSwitch? FindGateway(string name)
    {
        lock (_linkSync)
        {
            return _gateways.GetValueOrDefault(name);
        }
    }

    /// <summary>The linked switch (either direction) listening on <paramref name="address"/>, or null.</summary>
    internal FakeFreeSwitch? FindPeerByAddress(SipAddress address)
    {
        foreach (var p in Peers)
        {
            if (p.Sip == address)
            {
                return p;
            }
        }

        return null;
    }

    private void EnsureInbox()
    {
        lock (_linkSync)
        {
            if (_inbox is not null || _stopped)
            {
                return;
            }

            _inbox = Channel.CreateUnbounded<(Action, Action?)>(new UnboundedChannelOptions { SingleReader = true });
            _inboxLoop = Task.Run(InboxLoopAsync, CancellationToken.None);
        }
    }

    /// <summary>
    /// Queues <paramref name="work"/> to run under this switch's lock, after what was queued before. Returns false when this
    /// switch is gone (the caller treats the peer as unreachable); <paramref name="dropped"/> runs if it goes before the work ran.
    /// Safe to call while holding another switch's lock.
    /// </summary>
    internal bool Post(Action work, Action? dropped = null)
    {
        lock (_linkSync)
        {
            return !_stopped && _inbox is not null && _inbox.Writer.TryWrite((work, dropped));
        }
    }

    private async Task InboxLoopAsync()
    {
        var reader = _inbox!.Reader;
        await foreach (var (work, dropped) in reader.ReadAllAsync().ConfigureAwait(false))
        {
            bool stopped;
            lock (_linkSync)
            {
                stopped = _stopped;
            }

            if (stopped)
            {
                dropped?.Invoke();
                continue;
            }

            lock (Gate)
            {
                work();
                NotifyChannelWaiters();
            }
        }
    }

    /// <summary>
    /// Disposal as a crash of this switch seen from its peers: no BYE is sent, so the far ends of its trunk calls end as
    /// after an RTP timeout (<c>MEDIA_TIMEOUT</c>; a call not yet answered fails with <c>RECOVERY_ON_TIMER_EXPIRE</c>).
    /// </summary>
    private async Task StopTrunksAsync()
    {
        List<(FakeFreeSwitch Remote, string Uuid)> farEnds = [];
        lock (_linkSync)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _inbox?.Writer.TryComplete();
        }

        lock (Gate)
        {
            foreach (var c in _channels.Values)
            {
                if (c.Trunk is { Closed: false } t && !c.IsHungUp)
                {
                    t.Closed = true;
                    farEnds.Add((t.Remote, t.RemoteUuid));
                }
            }
        }

        foreach (var (remote, uuid) in farEnds)
        {
            remote.Post(() => remote.OnTrunkPeerLostLocked(uuid));
        }

        await _inboxLoop.ConfigureAwait(false);
    }

    /// <summary>Finds a channel on this switch or on any switch linked to it, directly or through others.</summary>
    internal (FakeFreeSwitch Switch, FakeChannel Channel)? Locate(string uuid)
    {
        var seen = new HashSet<FakeFreeSwitch>();
        var queue = new Queue<FakeFreeSwitch>();
        queue.Enqueue(this);
        seen.Add(this);
        while (queue.Count > 0)
        {
            var s = queue.Dequeue();
            if (s.GetChannel(uuid) is { } c)
            {
                return (s, c);
            }

            foreach (var p in s.Peers)
            {
                if (seen.Add(p))
                {
                    queue.Enqueue(p);
                }
            }
        }

        return null;
    }
}
