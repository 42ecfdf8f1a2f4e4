using System.Reflection;

namespace PackageSmoke;

/// <summary>Where run.sh put the packages and which version it packed (baked in at build time).</summary>
internal static class PackageInfo
{
    public static string Source { get; } = Metadata("EslSupervisionPackageSource");

    public static string Version { get; } = Metadata("EslSupervisionPackageVersion");

    public static readonly string[] Ids = ["EslSupervision.EventSocket", "EslSupervision", "EslSupervision.Testing"];

    private static string Metadata(string key)
        => typeof(PackageInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException($"{key} was not set at build time.");
}
