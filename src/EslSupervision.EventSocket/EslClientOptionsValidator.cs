using EslSupervision.EventSocket.Client;
using Microsoft.Extensions.Options;

namespace EslSupervision.EventSocket;

/// <summary>Checks <see cref="EslClientOptions"/> when a client starts (and under DI with <c>ValidateOnStart</c>).</summary>
public sealed class EslClientOptionsValidator : IValidateOptions<EslClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, EslClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host) || HasControl(options.Host) || options.Host.Contains(' ', StringComparison.Ordinal))
        {
            failures.Add("Host must be a host name or address.");
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add("Port must be between 1 and 65535.");
        }

        if (string.IsNullOrEmpty(options.Password))
        {
            failures.Add("Password is required: there is no default password.");
        }
        else if (HasControl(options.Password))
        {
            failures.Add("Password must not contain control characters or line breaks.");
        }

        if (options.User is { } user && (user.Length == 0 || HasControl(user) || user.Contains(' ', StringComparison.Ordinal) || !user.Contains('@', StringComparison.Ordinal)))
        {
            failures.Add("User must look like user@domain.");
        }

        ConnectionSettingsRules.Positive(options.ConnectTimeout, nameof(options.ConnectTimeout), failures);
        ConnectionSettingsRules.Positive(options.ReconnectMinDelay, nameof(options.ReconnectMinDelay), failures);
        if (options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            failures.Add("ReconnectMaxDelay must not be shorter than ReconnectMinDelay.");
        }

        if (options.LivenessTimeout < TimeSpan.Zero)
        {
            failures.Add("LivenessTimeout must not be negative (zero turns the check off).");
        }

        if (options.MaxConsecutiveCommandTimeouts < 0)
        {
            failures.Add("MaxConsecutiveCommandTimeouts must not be negative (zero turns the check off).");
        }

        options.ValidateShared(failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool HasControl(string value) => Protocol.CommandText.ContainsUnsafe(value);
}
