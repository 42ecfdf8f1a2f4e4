using EslSupervision.Cluster;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Options;

namespace EslSupervision.Hosting;

/// <summary>What <c>AddEslSupervision</c> found in configuration: one switch (flat <c>Connection</c>) or several (<c>Switches</c>).</summary>
internal sealed class ClusterTopology
{
    /// <summary>The switch names under <c>EslSupervision:Switches</c>, in configuration order.</summary>
    public IReadOnlyList<string> SwitchNames { get; set; } = [];

    /// <summary>Whether <c>EslSupervision:Connection</c> has settings too.</summary>
    public bool HasFlatConnection { get; set; }

    /// <summary>How service-code calls reach the controller.</summary>
    public EslSupervisionHostMode Mode { get; set; }

    /// <summary>Whether any switch has a <see cref="EslSupervisionSwitchOptions.DialString"/> (cross-switch supervision is meant).</summary>
    public bool AnyDialString { get; set; }

    /// <summary>Whether <c>EslSupervision:Cluster:TokenKey</c> is set.</summary>
    public bool HasTokenKey { get; set; }
}

/// <summary>Checks the cluster's shape at host start: either one switch or several, names usable everywhere a name goes.</summary>
internal sealed class ClusterTopologyValidator : IValidateOptions<ClusterTopology>
{
    public ValidateOptionsResult Validate(string? name, ClusterTopology options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.HasFlatConnection)
        {
            failures.Add("EslSupervision:Connection and EslSupervision:Switches are both set: configure one switch with Connection, or several with Switches:{name}:Connection, not both.");
        }

        if (options.Mode != EslSupervisionHostMode.Inbound)
        {
            failures.Add("EslSupervision:Mode must be Inbound with several switches (the outbound socket mode serves one switch).");
        }

        if (options.AnyDialString && !options.HasTokenKey)
        {
            failures.Add("EslSupervision:Cluster:TokenKey is required when a switch has a DialString: every switch's controller signs and checks the cross-switch tokens with it.");
        }

        foreach (string switchName in options.SwitchNames)
        {
            if (!ClusterText.IsSwitchName(switchName))
            {
                failures.Add($"EslSupervision:Switches:{switchName}: a switch name must be 1-32 letters, digits, '.', '-' or '_', starting with a letter or digit.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks each switch's <see cref="EslSupervisionSwitchOptions.DialString"/> (named options, by switch name).</summary>
internal sealed class EslSupervisionSwitchOptionsValidator : IValidateOptions<EslSupervisionSwitchOptions>
{
    public ValidateOptionsResult Validate(string? name, EslSupervisionSwitchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DialString is null)
        {
            return ValidateOptionsResult.Success; // Not reachable from the others: cross-switch requests for it are refused.
        }

        return SwitchDialString.Problem(options.DialString) is { } problem
            ? ValidateOptionsResult.Fail($"EslSupervision:Switches:{name}:DialString {problem}.")
            : ValidateOptionsResult.Success;
    }
}

/// <summary>Names the switch in a connection-settings failure (the shared validator cannot know which switch it checks).</summary>
internal sealed class SwitchConnectionValidator(ClusterTopology topology) : IValidateOptions<EslClientOptions>
{
    private readonly EslClientOptionsValidator _inner = new();

    public ValidateOptionsResult Validate(string? name, EslClientOptions options)
    {
        if (name is null || !topology.SwitchNames.Contains(name, StringComparer.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        ValidateOptionsResult result = _inner.Validate(name, options);
        return result.Failed
            ? ValidateOptionsResult.Fail(result.Failures!.Select(f => $"EslSupervision:Switches:{name}:Connection: {f}"))
            : ValidateOptionsResult.Success;
    }
}
