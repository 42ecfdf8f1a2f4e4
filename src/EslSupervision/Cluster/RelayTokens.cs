using EslSupervision.Calls;

namespace EslSupervision.Cluster;

/// <summary>The cluster's relay tokens, made by the signed single-use <see cref="SupervisionTokenIssuer"/> and checked by the <see cref="SupervisionTokenValidator"/>.</summary>
internal sealed class RelayTokens : IRelayTokens
{
    private readonly SupervisionTokenIssuer _issuer;
    private readonly SupervisionTokenValidator _validator;

    public RelayTokens(SupervisionTokenIssuer issuer, SupervisionTokenValidator validator)
    {
        _issuer = issuer;
        _validator = validator;
    }

    public bool LooksLikeToken(string? destination) => SupervisionTokenValidator.LooksLikeToken(destination);

    public (string OriginSwitch, string OriginLegId)? PeekOrigin(string? destination)
        => SupervisionTokenFormat.PeekUnverified(destination) is { } handOff ? (handOff.OriginSwitch, handOff.OriginLegUuid) : null;

    public (string? Token, string? Failure) Issue(RelayClaims claims)
    {
        // A token names the agent by extension in the supervisor's tenant; the authorizer already refused any other tenant.
        if (!string.Equals(claims.Agent.Tenant, claims.Supervisor.Tenant, StringComparison.OrdinalIgnoreCase))
        {
            return (null, "the agent is in another tenant");
        }

        var handOff = new SupervisionHandOff(claims.Supervisor, claims.OriginSwitch, claims.OriginLegId, claims.AgentLegId, claims.Agent.Extension, claims.Mode, claims.TargetSwitch);
        return _issuer.TryIssue(handOff, out IssuedSupervisionToken? token, out string? error) ? (token.Destination, null) : (null, error);
    }

    public async ValueTask<RelayTokenCheck> ValidateAsync(string token, string localSwitch, CancellationToken cancellationToken)
    {
        SupervisionTokenOutcome outcome = await _validator.ValidateAsync(token, localSwitch, cancellationToken).ConfigureAwait(false);
        if (!outcome.IsAccepted)
        {
            return RelayTokenCheck.Refused(outcome.Reason.ToString());
        }

        SupervisionHandOff h = outcome.Claims.HandOff;
        return RelayTokenCheck.Accepted(new RelayClaims(h.Supervisor, h.OriginSwitch, h.OriginLegUuid, h.AgentLegUuid, new UserIdentity(h.Supervisor.Tenant, h.AgentExtension), h.Mode, h.TargetSwitch));
    }
}

/// <summary>No token key configured: nothing looks like a token, nothing is issued (cross-switch requests are refused).</summary>
internal sealed class NoRelayTokens : IRelayTokens
{
    public static readonly NoRelayTokens Instance = new();

    public bool LooksLikeToken(string? destination) => false;

    public (string OriginSwitch, string OriginLegId)? PeekOrigin(string? destination) => null;

    public (string? Token, string? Failure) Issue(RelayClaims claims) => (null, "no token key is configured for the cluster");

    public ValueTask<RelayTokenCheck> ValidateAsync(string token, string localSwitch, CancellationToken cancellationToken)
        => ValueTask.FromResult(RelayTokenCheck.Refused("NoKey"));
}
