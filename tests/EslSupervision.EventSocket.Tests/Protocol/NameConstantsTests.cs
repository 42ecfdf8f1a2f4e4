using System.Reflection;
using System.Text;
using EslSupervision.TestSupport;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Protocol;

/// <summary>The name constants are spelled exactly as the real switch sends them (where the captures show them).</summary>
public class NameConstantsTests
{
    private static readonly string AllTraffic = string.Concat(Captures.Names.SelectMany(n => new[] { Captures.Server(n), Captures.Client(n) }).Select(b => Encoding.UTF8.GetString(b)));

    private static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void Every_header_constant_but_the_dtmf_digit_appears_as_a_header_line_in_real_traffic()
    {
        string[] missing = [.. Constants(typeof(EslHeaders)).Where(h => h != EslHeaders.DtmfDigit && !AllTraffic.Contains("\n" + h + ": ", StringComparison.Ordinal))];

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData(EslEventNames.ChannelCreate)]
    [InlineData(EslEventNames.ChannelAnswer)]
    [InlineData(EslEventNames.ChannelBridge)]
    [InlineData(EslEventNames.ChannelUnbridge)]
    [InlineData(EslEventNames.ChannelPark)]
    [InlineData(EslEventNames.ChannelUnpark)]
    [InlineData(EslEventNames.ChannelExecute)]
    [InlineData(EslEventNames.ChannelExecuteComplete)]
    [InlineData(EslEventNames.ChannelApplication)]
    [InlineData(EslEventNames.ChannelHangup)]
    [InlineData(EslEventNames.ChannelHangupComplete)]
    [InlineData(EslEventNames.ChannelDestroy)]
    [InlineData(EslEventNames.ChannelState)]
    [InlineData(EslEventNames.ChannelData)]
    [InlineData(EslEventNames.BackgroundJob)]
    [InlineData(EslEventNames.MediaBugStart)]
    [InlineData(EslEventNames.MediaBugStop)]
    public void Event_names_seen_in_the_captures_are_spelled_as_the_switch_sends_them(string name)
    {
        Assert.Contains("Event-Name: " + name + "\n", AllTraffic, StringComparison.Ordinal);
    }
}
