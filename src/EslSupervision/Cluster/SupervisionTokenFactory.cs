using Microsoft.Extensions.Logging;

namespace EslSupervision.Cluster;

/// <summary>
/// Builds the token issuer and validator from <see cref="SupervisionTokenOptions"/> for the cluster's hosting
/// (which owns the registration). Throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>
/// when the options do not validate; the message never contains key material.
/// </summary>
internal static class SupervisionTokenFactory
{
    public static SupervisionTokenIssuer CreateIssuer(SupervisionTokenOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
        => new(SupervisionTokenKeyRing.FromOptions(options), options.TokenLifetime, timeProvider, logger);

    /// <param name="options">The validated settings.</param>
    /// <param name="store">The single-use store; share one per process (or one across replicas).</param>
    /// <param name="timeProvider">The clock for expiry and the store timeout.</param>
    /// <param name="logger">Where refusals go.</param>
    public static SupervisionTokenValidator CreateValidator(SupervisionTokenOptions options, ISupervisionTokenStore store, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        SupervisionTokenKeyRing keys = SupervisionTokenKeyRing.FromOptions(options);

        // A peer may run with any lifetime up to the validated maximum; accept expiries that far ahead, no further.
        return new(keys, store, options.ClockSkew, SupervisionTokenOptionsValidator.MaxTokenLifetime, options.StoreTimeout, timeProvider, logger);
    }
}
