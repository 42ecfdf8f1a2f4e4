namespace EslSupervision.Permissions;

/// <summary>
/// What the controller asks before every start and mode switch. Internal: its guards are the fail-closed part
/// of the library; integrators change the decision through <see cref="ISupervisionPermissionProvider"/> and
/// <see cref="ITenantPolicy"/>, which it calls.
/// </summary>
internal interface ISupervisionAuthorizer
{
    /// <summary>The permission provider, for its optional <see cref="ISupervisionPermissionChangeSource"/> signal.</summary>
    ISupervisionPermissionProvider Provider { get; }

    /// <summary>Decides one attempt; never throws except for the caller's cancellation.</summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    ValueTask<SupervisionAuthorization> AuthorizeAsync(SupervisionAttempt attempt, CancellationToken cancellationToken = default);
}
