using System.Net;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Options;

namespace EslSupervision.Hosting;

/// <summary>Checks <see cref="EslSupervisionHostOptions"/> at host start.</summary>
internal sealed class EslSupervisionHostOptionsValidator : IValidateOptions<EslSupervisionHostOptions>
{
    public ValidateOptionsResult Validate(string? name, EslSupervisionHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Enum.IsDefined(options.Mode)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Mode must be Inbound or Outbound.");
    }
}

/// <summary>Checks <see cref="EslOutboundListenerOptions"/> at host start (the listener itself parses the address late).</summary>
internal sealed class EslOutboundListenerOptionsValidator : IValidateOptions<EslOutboundListenerOptions>
{
    public ValidateOptionsResult Validate(string? name, EslOutboundListenerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
        {
            failures.Add("Outbound Address must be an IP address to listen on.");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add("Outbound Port must be between 0 and 65535.");
        }

        if (options.CommandTimeout <= TimeSpan.Zero || options.BackgroundJobTimeout <= TimeSpan.Zero)
        {
            failures.Add("Outbound CommandTimeout and BackgroundJobTimeout must be positive.");
        }

        if (options.EventBufferCapacity < 16)
        {
            failures.Add("Outbound EventBufferCapacity must be at least 16.");
        }

        if (options.MaxFrameSize < 1024)
        {
            failures.Add("Outbound MaxFrameSize must be at least 1024 bytes.");
        }

        if (options.MaxConcurrentSessions < 1)
        {
            failures.Add("Outbound MaxConcurrentSessions must be at least 1.");
        }

        if (!Enum.IsDefined(options.OverflowPolicy))
        {
            failures.Add("Outbound OverflowPolicy is not a known policy.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
