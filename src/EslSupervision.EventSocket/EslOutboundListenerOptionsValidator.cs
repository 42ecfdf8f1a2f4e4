using System.Net;
using EslSupervision.EventSocket.Client;
using Microsoft.Extensions.Options;

namespace EslSupervision.EventSocket;

/// <summary>Checks <see cref="EslOutboundListenerOptions"/> when a listener is created (and under DI with <c>ValidateOnStart</c>).</summary>
public sealed class EslOutboundListenerOptionsValidator : IValidateOptions<EslOutboundListenerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, EslOutboundListenerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
        {
            failures.Add("Address must be an IP address to listen on.");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add("Port must be between 0 and 65535.");
        }

        if (options.MaxConcurrentSessions < 1)
        {
            failures.Add("MaxConcurrentSessions must be at least 1.");
        }

        options.ValidateShared(failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
