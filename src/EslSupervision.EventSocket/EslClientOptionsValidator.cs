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

        Positive(options.ConnectTimeout, nameof(options.ConnectTimeout), failures);
        Positive(options.CommandTimeout, nameof(options.CommandTimeout), failures);
        Positive(options.BackgroundJobTimeout, nameof(options.BackgroundJobTimeout), failures);
        Positive(options.ReconnectMinDelay, nameof(options.ReconnectMinDelay), failures);
        if (options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            failures.Add("ReconnectMaxDelay must not be shorter than ReconnectMinDelay.");
        }

        if (options.EventBufferCapacity < 16)
        {
            failures.Add("EventBufferCapacity must be at least 16.");
        }

        if (options.MaxFrameSize < 1024)
        {
            failures.Add("MaxFrameSize must be at least 1024 bytes.");
        }

        if (!Enum.IsDefined(options.OverflowPolicy))
        {
            failures.Add("OverflowPolicy is not a known policy.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(TimeSpan value, string name, List<string> failures)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{name} must be positive.");
        }
    }

    private static bool HasControl(string value) => value.Any(c => c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029' || c == '\u0085');
}
