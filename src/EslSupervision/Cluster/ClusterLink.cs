using EslSupervision.Control;

namespace EslSupervision.Cluster;

/// <summary>One switch's view of the cluster: the spanning registry, the peers' dial strings and controllers, the tokens.</summary>
internal sealed class ClusterLink : IClusterLink
{
    private readonly SupervisionCluster _cluster;

    public ClusterLink(SupervisionCluster cluster, string localSwitch)
    {
        _cluster = cluster;
        LocalSwitch = localSwitch;
    }

    public string LocalSwitch { get; }

    public string? SwitchOf(string legId) => _cluster.Directory.SwitchOf(legId);

    public bool IsRelayDestination(string? destination) => _cluster.Tokens?.LooksLikeToken(destination) == true;

    public (string OriginSwitch, string OriginLegId)? PeekOrigin(string? destination) => _cluster.Tokens?.PeekOrigin(destination);

    public bool RelaysHere(string originSwitch, string originLegId) => _cluster.ControllerOf(originSwitch)?.Relays(originLegId) == true;

    public (string? DialString, string? Failure) PrepareRelay(RelayClaims claims)
    {
        if (_cluster.Tokens is not { } tokens)
        {
            return (null, "no token key is configured for the cluster");
        }

        if (_cluster.DialStringOf(claims.TargetSwitch) is not { } template)
        {
            return (null, "no dial string is configured for switch " + claims.TargetSwitch);
        }

        (string? token, string? failure) = tokens.Issue(claims);
        if (token is null)
        {
            return (null, failure ?? "no token could be issued");
        }

        string dialString = SwitchDialString.Expand(template, token);

        // The token's alphabet is checked by the issuer; the result is checked again before it reaches the wire.
        return SwitchDialString.IsSafeExpanded(dialString) ? (dialString, null) : (null, "the dial string would not be safe");
    }

    public ValueTask<RelayTokenCheck> CheckArrivalAsync(string token, CancellationToken cancellationToken)
        => _cluster.Tokens is { } tokens
            ? tokens.ValidateAsync(token, LocalSwitch, cancellationToken)
            : ValueTask.FromResult(RelayTokenCheck.Refused("NoKey"));

    public SupervisionTrigger TriggerOf(string originSwitch, string originLegId)
        => _cluster.ControllerOf(originSwitch)?.RelayTrigger(originLegId) ?? SupervisionTrigger.ServiceCode;

    public void RelayArrived(string originSwitch, string originLegId) => _cluster.ControllerOf(originSwitch)?.OnRelayArrived(originLegId);

    public void RelayDecided(string originSwitch, string originLegId, SupervisionStartResult result) => _cluster.ControllerOf(originSwitch)?.OnRelayDecided(originLegId, result);

    public void OriginEnded(string targetSwitch, string originLegId) => _cluster.ControllerOf(targetSwitch)?.OnOriginEnded(originLegId);

    public void RelayEnded(string originSwitch, string originLegId) => _cluster.ControllerOf(originSwitch)?.OnRelayEnded(originLegId);
}
