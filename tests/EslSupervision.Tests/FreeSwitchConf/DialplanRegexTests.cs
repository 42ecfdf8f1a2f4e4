using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace EslSupervision.Tests.FreeSwitchConf;

/// <summary>
/// The dialplan's service-code expressions must accept exactly what <see cref="ServiceCodeParser"/> accepts:
/// a code the switch parks but the controller refuses wastes the supervisor's time, and a code the
/// controller would accept but the switch never routes silently disables a mode.
/// </summary>
public class DialplanRegexTests
{
    private const string ParkFile = "dialplan/default/00_esl_supervision.xml";
    private const string SocketFile = "dialplan/default/00_esl_supervision_outbound.xml";

    /// <summary>Dialled strings written with the park variant's prefix "*9"; the socket variant uses them with "*8".</summary>
    public static TheoryData<string> Dialed()
    {
        var data = new TheoryData<string>
        {
            // accepted
            "*901004", "*911004", "*921004", "*9010", "*9000", "*901234567890", "*92999",
            // prefix alone, letters, inner and outer whitespace
            "*90", "*91", "*92", "*90abc", "*9010 04", " *901004", "*901004 ", "*90\t1004",
            // too short, too long (11 digits, 50 digits)
            "*901", "*9012345678901", "*90" + new string('7', 50),
            // unknown mode digit, no mode digit, wrong star count
            "*931004", "*991004", "*9", "*9a1004", "**901004", "901004", "*01004",
            // partial matches must not count
            "*901004x", "x*901004", "*901004*", "*901004#", "1*901004",
            // non-ASCII digits: Arabic-Indic, Extended Arabic-Indic, fullwidth, Devanagari
            "*90\u0661\u0660\u0660\u0664", "*90\u06F1\u06F0\u06F0\u06F4", "*90\uFF11\uFF10\uFF10\uFF14", "*90\u0967\u0966",
            "*9\u0660\u0661\u0660\u0660\u0664",
            // control characters; PCRE's $ would accept a trailing newline, the parser does not
            "*901004\n", "*901004\r\n", "*90\n1004", "*901004\0",
            // nothing
            "",
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Dialed))]
    public void The_park_variant_accepts_exactly_what_the_parser_accepts(string dialed)
    {
        Regex regex = ConfFiles.CompilePcre(ConfFiles.DestinationExpression(ParkFile, "esl_supervision_park"));

        AssertSameVerdict(regex, new ServiceCodeParser(new SupervisionOptions()), new SupervisionOptions(), "*9", dialed);
    }

    [Theory]
    [MemberData(nameof(Dialed))]
    public void The_park_variant_agrees_with_the_example_app_settings(string dialed)
    {
        Regex regex = ConfFiles.CompilePcre(ConfFiles.DestinationExpression(ParkFile, "esl_supervision_park"));
        SupervisionOptions options = AppSettingsTests.BindExampleOptions();

        AssertSameVerdict(regex, new ServiceCodeParser(options), options, "*9", dialed);
    }

    [Theory]
    [MemberData(nameof(Dialed))]
    public void The_socket_variant_accepts_exactly_what_the_parser_accepts_with_star_80_prefixes(string dialed)
    {
        Regex regex = ConfFiles.CompilePcre(ConfFiles.DestinationExpression(SocketFile, "esl_supervision_socket"));
        var options = new SupervisionOptions { SpyPrefix = "*80", WhisperPrefix = "*81", BargePrefix = "*82" };
        string outbound = dialed.Replace("*9", "*8", StringComparison.Ordinal);

        AssertSameVerdict(regex, new ServiceCodeParser(options), options, "*8", outbound);
    }

    [Theory]
    [InlineData("*801004")]
    [InlineData("*811004")]
    [InlineData("*821004")]
    public void The_park_variant_leaves_the_socket_codes_alone(string dialed)
    {
        Regex park = ConfFiles.CompilePcre(ConfFiles.DestinationExpression(ParkFile, "esl_supervision_park"));
        Regex socket = ConfFiles.CompilePcre(ConfFiles.DestinationExpression(SocketFile, "esl_supervision_socket"));

        Assert.DoesNotMatch(park, dialed);
        Assert.Matches(socket, dialed);
        Assert.DoesNotMatch(socket, dialed.Replace("*8", "*9", StringComparison.Ordinal));
    }

    [Fact]
    public void The_park_variant_sets_a_30_second_park_timeout_with_a_cause_and_then_parks()
    {
        IReadOnlyList<(string Application, string? Data)> actions = ConfFiles.Actions(ParkFile, "esl_supervision_park");

        int set = IndexOf(actions, a => a.Application == "set" && a.Data?.StartsWith("park_timeout=", StringComparison.Ordinal) == true);
        int park = IndexOf(actions, a => a.Application == "park");
        Assert.True(set >= 0, "park_timeout is not set.");
        Assert.True(park > set, "park must come after park_timeout is set.");
        Assert.Equal(actions.Count - 1, park);

        // FreeSWITCH 1.10 reads "seconds[:CAUSE]" from park_timeout (switch_ivr_park).
        string value = actions[set].Data!["park_timeout=".Length..];
        string[] parts = value.Split(':');
        Assert.Equal(2, parts.Length);
        Assert.Equal(30, int.Parse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture));
        Assert.Matches("^[A-Z][A-Z_]+$", parts[1]);
    }

    [Fact]
    public void The_socket_variant_connects_async_full_to_the_local_controller_and_falls_back_to_a_hangup()
    {
        IReadOnlyList<(string Application, string? Data)> actions = ConfFiles.Actions(SocketFile, "esl_supervision_socket");

        int resume = IndexOf(actions, a => a.Application == "set" && a.Data == "socket_resume=true");
        int socket = IndexOf(actions, a => a.Application == "socket");
        int hangup = IndexOf(actions, a => a.Application == "hangup");
        Assert.True(resume >= 0 && resume < socket, "socket_resume=true must be set before socket.");
        Assert.True(hangup > socket, "a fallback hang-up must follow socket.");

        string[] args = actions[socket].Data!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("127.0.0.1:8084", args[0]);
        Assert.Contains("async", args);
        Assert.Contains("full", args);
    }

    private static void AssertSameVerdict(Regex regex, ServiceCodeParser parser, SupervisionOptions options, string codeStem, string dialed)
    {
        ServiceCodeParseResult parsed = parser.Parse(dialed);
        Match match = regex.Match(dialed);

        Assert.True(parsed.IsSuccess == match.Success,
            $"{Printable(dialed)}: parser {(parsed.IsSuccess ? "accepts" : "refuses (" + parsed.Error + ")")}, dialplan {(match.Success ? "matches" : "does not match")}.");
        if (!match.Success)
        {
            return;
        }

        Assert.Equal(3, match.Groups.Count);
        Assert.Equal(parsed.AgentExtension, match.Groups[2].Value);
        Assert.Equal(options.GetPrefix(parsed.Mode), codeStem + match.Groups[1].Value);
    }

    private static int IndexOf(IReadOnlyList<(string Application, string? Data)> actions, Func<(string Application, string? Data), bool> predicate)
    {
        for (int i = 0; i < actions.Count; i++)
        {
            if (predicate(actions[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Printable(string s)
        => string.Concat(s.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
}
