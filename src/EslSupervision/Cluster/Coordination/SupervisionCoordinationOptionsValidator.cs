using Microsoft.Extensions.Options;

namespace EslSupervision.Cluster;

/// <summary>Checks <see cref="SupervisionCoordinationOptions"/> (use it with <c>ValidateOnStart</c>).</summary>
/// <remarks>Public because an application that loads the options its own way checks them with the same rules.</remarks>
public sealed class SupervisionCoordinationOptionsValidator : IValidateOptions<SupervisionCoordinationOptions>
{
    internal static readonly TimeSpan MinLeaseTime = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MinRefusalSettleWindow = TimeSpan.FromMilliseconds(10);
    internal static readonly TimeSpan MaxRefusalSettleWindow = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SupervisionCoordinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (options.ReplicaId is not null && !CoordinationArguments.IsOwner(options.ReplicaId))
        {
            failures.Add("ReplicaId must be 1-64 of the characters A-Z a-z 0-9 . _ - and start with a letter or digit (or not be set).");
        }

        if (options.LeaseTime < MinLeaseTime || options.LeaseTime > CoordinationArguments.MaxLeaseTime)
        {
            failures.Add("LeaseTime must be between 1 second and 10 minutes.");
        }

        if (options.RenewInterval <= TimeSpan.Zero || options.RenewInterval > options.LeaseTime / 2)
        {
            failures.Add("RenewInterval must be more than zero and at most half of LeaseTime, so that one lost renewal does not lose the lease.");
        }

        if (options.RefusalSettleWindow != TimeSpan.Zero && (options.RefusalSettleWindow < MinRefusalSettleWindow || options.RefusalSettleWindow > MaxRefusalSettleWindow))
        {
            failures.Add("RefusalSettleWindow must be zero (no tie-break) or between 10 milliseconds and 5 seconds.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
