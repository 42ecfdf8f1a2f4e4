using System.Globalization;
using EslSupervision.Testing;

namespace EslSupervision.Dashboard;

/// <summary>
/// The demo's two tenants on an embedded fake FreeSWITCH. pbx.lab: Olivia 1004, Sam 1005, Noah 1006 (ring group
/// support) with Benjamin 1010 as supervisor. other.lab: Ava 2004, Leo 2005 with Mia 2010 as supervisor.
/// Supervisors' phones ring until answered (as a real phone does); agents answer at once.
/// </summary>
public static class DemoLab
{
    /// <summary>The agents per tenant.</summary>
    public static readonly IReadOnlyList<(string Tenant, string Extension, string Name)> Agents =
    [
        ("pbx.lab", "1004", "Olivia"), ("pbx.lab", "1005", "Sam"), ("pbx.lab", "1006", "Noah"),
        ("other.lab", "2004", "Ava"), ("other.lab", "2005", "Leo"),
    ];

    /// <summary>The demo's supervisors: (key, tenant, extension, name).</summary>
    public static readonly IReadOnlyList<(string Key, string Tenant, string Extension, string Name)> Supervisors =
    [
        ("benjamin", "pbx.lab", "1010", "Benjamin"),
        ("mia", "other.lab", "2010", "Mia"),
    ];

    /// <summary>Starts the fake switch with both tenants' directories.</summary>
    /// <param name="password">The ESL password the fake asks for.</param>
    public static async Task<FakeFreeSwitch> StartSwitchAsync(string password)
    {
        FakeFreeSwitch fs = await FakeFreeSwitch.StartAsync(new FakeFreeSwitchOptions { Password = password }).ConfigureAwait(false);
        foreach (var (tenant, ext, name) in Agents)
        {
            fs.AddUser(new FakeUser(ext, tenant, name));
        }

        foreach (var (_, tenant, ext, name) in Supervisors)
        {
            fs.AddUser(new FakeUser(ext, tenant, name) { AutoAnswer = false });
        }

        return fs;
    }

    /// <summary>Configuration for <c>AddEslSupervision</c> against the fake: both tenants enabled, one ring group each.</summary>
    /// <param name="port">The fake's port.</param>
    /// <param name="password">The ESL password.</param>
    public static Dictionary<string, string?> Settings(int port, string password)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EslSupervision:Connection:Host"] = "127.0.0.1",
            ["EslSupervision:Connection:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["EslSupervision:Connection:Password"] = password,
        };
        int group = 0;
        foreach (var (key, tenant, supervisor, _) in Supervisors)
        {
            settings[$"EslSupervision:Tenants:{tenant}:Enabled"] = "true";
            string prefix = $"EslSupervision:RingGroups:{group}:";
            settings[prefix + "Name"] = tenant == "pbx.lab" ? "support" : "other-support";
            settings[prefix + "Tenant"] = tenant;
            int member = 0;
            foreach (var (agentTenant, ext, _) in Agents.Where(a => a.Tenant == tenant))
            {
                settings[$"{prefix}Members:{member++}:Extension"] = ext;
            }

            settings[$"{prefix}Members:{member}:Extension"] = supervisor;
            settings[$"{prefix}Members:{member}:Supervisor"] = "true";
            group++;
        }

        return settings;
    }
}
