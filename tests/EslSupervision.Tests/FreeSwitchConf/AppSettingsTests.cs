using System.Xml.Linq;
using EslSupervision.EventSocket;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Xunit;

namespace EslSupervision.Tests.FreeSwitchConf;

/// <summary>The example app settings bind to the library's options, pass validation and match the directory.</summary>
public class AppSettingsTests
{
    private const string Domain = "pbx.lab";

    internal static IConfigurationRoot LoadExample()
        => new ConfigurationBuilder().AddJsonFile(ConfFiles.PathOf("appsettings.example.json"), optional: false).Build();

    internal static SupervisionOptions BindExampleOptions()
    {
        SupervisionOptions? options = LoadExample().GetSection(SupervisionOptions.SectionName).Get<SupervisionOptions>();
        Assert.NotNull(options);
        return options;
    }

    [Fact]
    public void The_supervision_section_binds_and_validates()
    {
        SupervisionOptions options = BindExampleOptions();

        ValidateOptionsResult result = new SupervisionOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(options.IsTenantEnabled(Domain));
        Assert.Equal(["support", "sales"], options.RingGroups.Select(g => g.Name));
        Assert.All(options.RingGroups, g => Assert.Equal(Domain, g.Tenant));
    }

    [Fact]
    public void The_ring_groups_are_the_labs()
    {
        SupervisionOptions options = BindExampleOptions();

        RingGroupOptions support = options.RingGroups.Single(g => g.Name == "support");
        RingGroupOptions sales = options.RingGroups.Single(g => g.Name == "sales");
        Assert.Equal(["1004", "1005", "1010"], support.Members.Select(m => m.Extension));
        Assert.Equal(["1011", "1010"], sales.Members.Select(m => m.Extension));
        Assert.Equal(["1010"], support.Members.Where(m => m.Supervisor).Select(m => m.Extension));
        Assert.Equal(["1010"], sales.Members.Where(m => m.Supervisor).Select(m => m.Extension));
        Assert.True(sales.Members.Single(m => m.Supervisor).Allows(SupervisionMode.Whisper));
        Assert.False(sales.Members.Single(m => m.Supervisor).Allows(SupervisionMode.Barge));
    }

    [Fact]
    public void Every_ring_group_member_is_a_user_of_the_directory_and_the_directory_groups_match()
    {
        SupervisionOptions options = BindExampleOptions();
        XElement domain = ConfFiles.Load("directory/pbx.lab.xml").Descendants("domain")
            .Single(d => (string?)d.Attribute("name") == Domain);
        HashSet<string> users = domain.Descendants("user")
            .Where(u => (string?)u.Attribute("type") != "pointer")
            .Select(u => (string)u.Attribute("id")!)
            .ToHashSet(StringComparer.Ordinal);

        Assert.Equal(new HashSet<string>(["1004", "1005", "1010", "1011"]), users);
        foreach (RingGroupOptions group in options.RingGroups)
        {
            XElement directoryGroup = domain.Descendants("group").Single(g => (string?)g.Attribute("name") == group.Name);
            Assert.Equal(
                group.Members.Select(m => m.Extension).Order(StringComparer.Ordinal),
                directoryGroup.Descendants("user").Select(u => (string)u.Attribute("id")!).Order(StringComparer.Ordinal));
            Assert.All(group.Members, m => Assert.Contains(m.Extension, users));
        }
    }

    [Fact]
    public void The_connection_section_binds_to_the_client_options_and_uses_the_event_socket_settings()
    {
        IConfigurationSection section = LoadExample().GetSection(SupervisionOptions.SectionName).GetSection("Connection");
        EslClientOptions? client = section.Get<EslClientOptions>();
        Assert.NotNull(client);
        Assert.True(new EslClientOptionsValidator().Validate(null, client).Succeeded);

        Dictionary<string, string> esl = ConfFiles.Load("autoload_configs/event_socket.conf.xml").Descendants("param")
            .ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!, StringComparer.Ordinal);
        Assert.Equal(esl["listen-ip"], client.Host);
        Assert.Equal(esl["listen-port"], client.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(esl["password"], client.Password);
        Assert.StartsWith("CHANGE-ME", client.Password, StringComparison.Ordinal);
    }
}
