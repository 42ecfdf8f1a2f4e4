using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EslSupervision.Calls;
using EslSupervision.Cluster;
using EslSupervision.Tests.Cluster;

namespace EslSupervision.Tests.FreeSwitchConf;

/// <summary>
/// The inter-switch dialplan must park every token the issuer produces (or cross-switch supervision silently
/// never starts) and must turn away, by shape, what the validator would refuse as malformed.
/// </summary>
public class ClusterDialplanTests
{
    private const string ParkFile = "dialplan/public/00_esl_supervision_peer.xml";
    private const string SocketFile = "dialplan/public/00_esl_supervision_peer_outbound.xml";
    private const string GatewayFile = "sip_profiles/external/esl_supervision_peer_fs-b.xml";
    private const string AclCondition = "${acl(${network_addr} supervision_peers)}";

    public static TheoryData<string, string> Variants() => new()
    {
        { ParkFile, "esl_supervision_peer_park" },
        { SocketFile, "esl_supervision_peer_socket" },
    };

    private static Regex ShippedRegex(string file = ParkFile, string extension = "esl_supervision_peer_park")
        => ConfFiles.CompilePcre(ConfFiles.DestinationExpression(file, extension));

    [Fact]
    public void The_cluster_files_are_shipped()
    {
        foreach (string file in new[] { ParkFile, SocketFile, GatewayFile })
        {
            Assert.True(File.Exists(ConfFiles.PathOf(file)), $"{file} is missing from {ConfFiles.Root}.");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Both_variants_require_a_supervision_peer_and_the_token_shape(string file, string extension)
    {
        List<XElement> conditions = Extension(file, extension).Elements("condition").ToList();

        Assert.Equal(2, conditions.Count);
        Assert.Equal(AclCondition, (string?)conditions[0].Attribute("field"));
        Assert.Equal("^true$", (string?)conditions[0].Attribute("expression"));
        Assert.Empty(conditions[0].Elements());
        Assert.Equal("destination_number", (string?)conditions[1].Attribute("field"));
        Assert.Equal(SupervisionTokenFormat.DialplanExpression, (string?)conditions[1].Attribute("expression"));
        Assert.Contains(ConfFiles.Actions(file, extension), a => a.Application == "set" && a.Data == "esl_supervision_peer=true");
    }

    [Fact]
    public void The_park_variant_marks_the_leg_sets_a_park_timeout_and_parks_last()
    {
        IReadOnlyList<(string Application, string? Data)> actions = ConfFiles.Actions(ParkFile, "esl_supervision_peer_park");

        Assert.Equal("park", actions[^1].Application);
        (string _, string? timeout) = Assert.Single(actions, a => a.Data?.StartsWith("park_timeout=", StringComparison.Ordinal) == true);
        Assert.Matches(@"^park_timeout=[0-9]+:[A-Z_]+$", timeout);
    }

    [Fact]
    public void The_socket_variant_connects_async_full_locally_and_hangs_up_when_the_controller_is_gone()
    {
        IReadOnlyList<(string Application, string? Data)> actions = ConfFiles.Actions(SocketFile, "esl_supervision_peer_socket");

        int socket = actions.ToList().FindIndex(a => a.Application == "socket");
        Assert.True(socket > actions.ToList().FindIndex(a => a.Data == "socket_resume=true"));
        Assert.Equal(["127.0.0.1:8084", "async", "full"], actions[socket].Data!.Split(' '));
        Assert.Equal("hangup", actions[^1].Application);
    }

    [Theory]
    [InlineData(ParkFile)]
    [InlineData(SocketFile)]
    public void Any_other_sup_destination_is_rejected_after_the_guarded_extension(string file)
    {
        List<XElement> extensions = ConfFiles.Load(file).Descendants("extension").ToList();
        XElement reject = extensions.Single(e => (string?)e.Attribute("name") == "esl_supervision_peer_reject");

        Assert.Equal(extensions.Count - 1, extensions.IndexOf(reject));
        XElement condition = Assert.Single(reject.Elements("condition"));
        Assert.Equal("destination_number", (string?)condition.Attribute("field"));
        Regex catchAll = ConfFiles.CompilePcre((string)condition.Attribute("expression")!);
        Assert.Matches(catchAll, "sup-anything");
        Assert.DoesNotMatch(catchAll, "*901004");
        Assert.DoesNotMatch(catchAll, "1004");
        Assert.Equal(("hangup", "CALL_REJECTED"), ConfFiles.Actions(file, "esl_supervision_peer_reject")[^1]);
    }

    [Fact]
    public void Every_token_the_issuer_produces_matches_the_shipped_expression_and_is_accepted()
    {
        Regex regex = ShippedRegex();
        var random = new Random(101);
        var kit = new TokenKit();

        int issued = 0;
        for (int i = 0; i < 2000; i++)
        {
            SupervisionHandOff handOff = RandomHandOff(random);
            if (!kit.Issuer.TryIssue(handOff, out IssuedSupervisionToken? token, out _))
            {
                continue; // over the 89-character budget: never reaches the wire
            }

            issued++;
            Assert.Matches(regex, token.Destination);
            Assert.True(kit.Check(token.Destination, handOff.TargetSwitch).IsAccepted);
        }

        Assert.True(issued >= 1000, $"only {issued} of 2000 random hand-offs fitted: the sample proves too little");
    }

    [Fact]
    public void The_longest_possible_token_matches()
    {
        var kit = new TokenKit();
        string tenant = new string('t', 63) + "." + new string('e', 7);
        string destination = kit.Issue(TokenKit.BenjaminOnOlivia() with { Supervisor = new UserIdentity(tenant, "1010") });

        Assert.Equal(255, destination.Length);
        Assert.Matches(ShippedRegex(), destination);
    }

    public static TheoryData<string, string> BadShapes()
    {
        string good = new TokenKit().Issue();
        int dot = good.IndexOf('.', StringComparison.Ordinal);
        string mac = good[(dot + 1)..];
        return new TheoryData<string, string>
        {
            { "bad character", good[..10] + "+" + good[11..] },
            { "slash", good[..10] + "/" + good[11..] },
            { "no dot", good.Replace(".", "", StringComparison.Ordinal) },
            { "two dots", good.Insert(dot, ".") },
            { "dot-dot", good.Insert(dot, "..") },
            { "too long", "sup-" + new string('A', 208) + "." + mac },
            { "trailing LF", good + "\n" },
            { "trailing CR LF", good + "\r\n" },
            { "inner CR", good.Insert(8, "\r") },
            { "expansion", "sup-${uuid}." + mac },
            { "expansion inside", good.Insert(8, "${x}") },
            { "space", good.Insert(8, " ") },
            { "leading space", " " + good },
            { "padding", good + "=" },
            { "mac 42", good[..^1] },
            { "mac 44", good + "A" },
            { "empty payload", "sup-." + mac },
            { "no prefix", good[4..] },
            { "upper-case prefix", "SUP-" + good[4..] },
            { "non-ASCII letter", good.Insert(8, "\u00e9") },
            { "fullwidth digit", good.Insert(8, "\uFF11") },
        };
    }

    [Theory]
    [MemberData(nameof(BadShapes))]
    public void The_expression_turns_away_what_the_validator_refuses_as_malformed(string why, string destination)
    {
        var kit = new TokenKit();

        Assert.False(ShippedRegex().IsMatch(destination), $"{why}: the dialplan would park it.");
        Assert.True(SupervisionTokenRefusal.Malformed == kit.Check(destination).Reason, $"{why}: the validator does not call it malformed.");
    }

    [Fact]
    public void Whatever_the_expression_turns_away_the_validator_refuses_too()
    {
        Regex regex = ShippedRegex();
        var kit = new TokenKit();
        string good = kit.Issue();
        var random = new Random(7);
        const string pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_..\r\n ${}+/=";

        for (int i = 0; i < 3000; i++)
        {
            string candidate = i % 2 == 0
                ? SupervisionTokenFuzzTests.Mutate(random, good)
                : "sup-" + SupervisionTokenFuzzTests.RandomText(random, random.Next(0, 260), pool);
            if (candidate == good)
            {
                continue;
            }

            SupervisionTokenOutcome outcome = kit.Check(candidate);
            Assert.False(outcome.IsAccepted);
            if (!regex.IsMatch(candidate))
            {
                Assert.Equal(SupervisionTokenRefusal.Malformed, outcome.Reason);
            }
        }
    }

    [Fact]
    public void The_peer_acl_denies_by_default_and_allows_single_addresses_only()
    {
        XElement list = ConfFiles.Load("autoload_configs/acl.conf.xml").Descendants("list")
            .Single(l => (string?)l.Attribute("name") == "supervision_peers");

        Assert.Equal("deny", (string?)list.Attribute("default"));
        List<XElement> nodes = list.Elements("node").ToList();
        Assert.NotEmpty(nodes);
        Assert.All(nodes, node =>
        {
            Assert.Equal("allow", (string?)node.Attribute("type"));
            Assert.Null(node.Attribute("domain"));
            IPNetwork network = IPNetwork.Parse((string)node.Attribute("cidr")!);
            Assert.Equal(network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128, network.PrefixLength);
        });
    }

    [Fact]
    public void The_example_gateway_does_not_register_and_the_readme_dials_it_by_name()
    {
        XElement gateway = Assert.Single(ConfFiles.Load(GatewayFile).Descendants("gateway"));
        Dictionary<string, string> parameters = gateway.Elements("param")
            .ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!, StringComparer.Ordinal);
        string readme = File.ReadAllText(ConfFiles.PathOf("README.md"));

        Assert.Equal("false", parameters["register"]);
        Assert.EndsWith(":5080", parameters["proxy"], StringComparison.Ordinal);
        Assert.Contains($"sofia/gateway/{(string)gateway.Attribute("name")!}/<token>", readme, StringComparison.Ordinal);
        Assert.Contains("## Inter-switch supervision (cluster)", readme, StringComparison.Ordinal);
        Assert.Contains(SupervisionTokenFormat.DialplanExpression, readme, StringComparison.Ordinal);
    }

    private static XElement Extension(string file, string name)
        => ConfFiles.Load(file).Descendants("extension").Single(e => (string?)e.Attribute("name") == name);

    private static SupervisionHandOff RandomHandOff(Random random)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz0123456789";
        string Word(int min, int max) => SupervisionTokenFuzzTests.RandomText(random, random.Next(min, max + 1), letters);
        string tenant = string.Join('.', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Word(1, 20)));
        byte[] bytes = new byte[16];
        random.NextBytes(bytes);

        // Mostly FreeSWITCH's canonical UUIDs (16 bytes in the token), sometimes other hex ids (carried as text).
        string leg = random.Next(4) == 0 ? Convert.ToHexStringLower(bytes, 0, random.Next(4, 7)) : new Guid(bytes).ToString("D");
        return new SupervisionHandOff(
            new UserIdentity(tenant, Word(1, 12)),
            "fs-" + Word(1, 10),
            Guid.NewGuid().ToString("D"),
            leg,
            Word(1, 12),
            (SupervisionMode)random.Next(3),
            "fs-" + Word(1, 10));
    }
}
