using System.Net;
using System.Xml.Linq;
using Xunit;

namespace EslSupervision.Tests.FreeSwitchConf;

public class ConfFileTests
{
    private const string EventSocketConf = "autoload_configs/event_socket.conf.xml";
    private const string AclConf = "autoload_configs/acl.conf.xml";

    public static TheoryData<string> XmlFiles()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.EnumerateFiles(ConfFiles.Root, "*.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(ConfFiles.Root, path).Replace(Path.DirectorySeparatorChar, '/'));
        }

        return data;
    }

    [Fact]
    public void The_shipped_files_are_copied_to_the_test_output()
    {
        string[] expected =
        [
            "dialplan/default/00_esl_supervision.xml",
            "dialplan/default/00_esl_supervision_outbound.xml",
            EventSocketConf,
            AclConf,
            "directory/pbx.lab.xml",
            "appsettings.example.json",
            "README.md",
        ];

        foreach (string file in expected)
        {
            Assert.True(File.Exists(ConfFiles.PathOf(file)), $"{file} is missing from {ConfFiles.Root}.");
        }
    }

    [Theory]
    [MemberData(nameof(XmlFiles))]
    public void Every_xml_file_parses(string relative)
    {
        XDocument document = ConfFiles.Load(relative);

        Assert.NotNull(document.Root);
        Assert.Contains(document.Root.Name.LocalName, new[] { "include", "configuration" });
    }

    [Fact]
    public void The_event_socket_listens_on_loopback_port_8021_only()
    {
        Dictionary<string, string> settings = EventSocketSettings();

        Assert.True(IPAddress.TryParse(settings["listen-ip"], out IPAddress? address), "listen-ip must be a literal address.");
        Assert.True(IPAddress.IsLoopback(address), $"listen-ip {address} is not a loopback address.");
        Assert.Equal("8021", settings["listen-port"]);
    }

    [Fact]
    public void The_event_socket_applies_an_inbound_acl_that_allows_loopback_only()
    {
        Dictionary<string, string> settings = EventSocketSettings();
        Assert.True(settings.TryGetValue("apply-inbound-acl", out string? listName), "apply-inbound-acl is missing.");
        Assert.False(string.IsNullOrWhiteSpace(listName));

        XElement list = ConfFiles.Load(AclConf).Descendants("list")
            .Single(l => (string?)l.Attribute("name") == listName);
        Assert.Equal("deny", (string?)list.Attribute("default"));

        List<XElement> nodes = list.Elements("node").ToList();
        Assert.NotEmpty(nodes);
        Assert.All(nodes, node =>
        {
            Assert.Equal("allow", (string?)node.Attribute("type"));
            Assert.Null(node.Attribute("domain"));
            Assert.Null(node.Attribute("host"));
            IPNetwork network = IPNetwork.Parse((string)node.Attribute("cidr")!);
            bool loopback = network.BaseAddress.Equals(IPAddress.IPv6Loopback) && network.PrefixLength == 128
                || IPNetwork.Parse("127.0.0.0/8").Contains(network.BaseAddress) && network.PrefixLength >= 8;
            Assert.True(loopback, $"ACL node {network} reaches beyond loopback.");
        });
    }

    [Fact]
    public void The_event_socket_password_is_a_placeholder_not_a_real_looking_default()
    {
        string password = EventSocketSettings()["password"];

        Assert.StartsWith("CHANGE-ME", password, StringComparison.Ordinal);
        Assert.DoesNotContain("cluecon", password, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void No_shipped_file_contains_the_well_known_default_password()
    {
        foreach (string path in Directory.EnumerateFiles(ConfFiles.Root, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("ClueCon", File.ReadAllText(path), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Every_directory_password_is_a_placeholder()
    {
        List<string?> passwords = ConfFiles.Load("directory/pbx.lab.xml").Descendants("param")
            .Where(p => (string?)p.Attribute("name") == "password")
            .Select(p => (string?)p.Attribute("value"))
            .ToList();

        Assert.Equal(4, passwords.Count);
        Assert.All(passwords, p => Assert.StartsWith("CHANGE-ME", p, StringComparison.Ordinal));
    }

    private static Dictionary<string, string> EventSocketSettings()
    {
        XElement configuration = ConfFiles.Load(EventSocketConf).Root!;
        Assert.Equal("event_socket.conf", (string?)configuration.Attribute("name"));
        return configuration.Element("settings")!.Elements("param")
            .ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!, StringComparer.Ordinal);
    }
}
