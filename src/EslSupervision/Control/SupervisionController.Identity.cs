using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using EslSupervision.Calls;
using EslSupervision.EventSocket;
using EslSupervision.Permissions;

namespace EslSupervision.Control;

/// <content>Who the supervisor is: only an inbound, digest-authenticated leg, with strict characters; outbound sessions vouched for by the registry.</content>
public sealed partial class SupervisionController
{
    /// <summary>How long an outbound session waits for the inbound connection to report its channel.</summary>
    private static readonly TimeSpan OutboundIdentityWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The registry's rule: <c>Call-Direction: inbound</c> with <c>variable_user_name</c> and <c>variable_domain_name</c>
    /// (set only by digest authentication). Values outside the strict character sets are refused: they would end up
    /// in <c>set</c> arguments, where FreeSWITCH expands <c>${...}</c>.
    /// </summary>
    private static (UserIdentity? Identity, string? User, string? Domain, PermissionDecision? Denial) SupervisorIdentity(EslEvent call)
    {
        string? user = call.GetVariable("user_name");
        string? domain = call.GetVariable("domain_name");
        if (!string.Equals(call["Call-Direction"], "inbound", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null, null, PermissionDecision.Deny(DenialReason.Unauthenticated, "The supervisor's leg is not an inbound, authenticated leg."));
        }

        if (string.IsNullOrEmpty(user) || user == "_undef_" || string.IsNullOrEmpty(domain))
        {
            return (null, null, null, PermissionDecision.Deny(DenialReason.Unauthenticated, "The supervisor's leg is not authenticated (no user_name/domain_name)."));
        }

        if (!TextRules.IsUserName(user) || !TextRules.IsDomainLike(domain))
        {
            return (null, null, null, PermissionDecision.Deny(DenialReason.Unauthenticated, "The supervisor's user or domain name has characters that are not allowed."));
        }

        return (new UserIdentity(domain, user), user, domain, null);
    }

    /// <summary>
    /// An outbound session is believed only if the inbound connection's registry knows its channel with the same
    /// authenticated identity: a local process pretending to be the switch cannot invent a channel the switch reported.
    /// </summary>
    private async Task<bool> IsVouchedForAsync(EslEvent channel, string legId, CancellationToken cancellationToken)
    {
        (UserIdentity? claimed, _, _, PermissionDecision? denial) = SupervisorIdentity(channel);
        if (denial is not null)
        {
            // Not a supervisor's leg as the switch would present one: nothing else to check; BeginAsync refuses it.
            return _registry.GetLeg(legId) is not null;
        }

        CallLeg? known = _registry.GetLeg(legId);
        if (known is null)
        {
            // The switch reports the channel on the inbound connection before it runs socket, but that event may
            // still be on its way: wait for it a little. The subscription ends with the wait, whatever happens.
            using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<CallChange> seen = _registry.Changes.FirstAsync(c => string.Equals(c.Leg.UniqueId, legId, StringComparison.OrdinalIgnoreCase)).ToTask(stopWaiting.Token);
            try
            {
                if (_registry.GetLeg(legId) is null)
                {
                    await seen.WaitAsync(OutboundIdentityWait, _time, cancellationToken).ConfigureAwait(false);
                }

                known = _registry.GetLeg(legId);
            }
            catch (TimeoutException)
            {
                known = _registry.GetLeg(legId);
            }
            finally
            {
                await stopWaiting.CancelAsync().ConfigureAwait(false);
                Observe(seen);
            }
        }

        return known is not null && known.AuthenticatedUser == claimed;
    }
}
