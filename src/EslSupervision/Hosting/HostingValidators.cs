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
