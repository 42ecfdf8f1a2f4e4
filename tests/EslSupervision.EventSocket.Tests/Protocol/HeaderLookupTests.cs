using System.Text;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Protocol;

/// <summary>A header is found by one search for its name: any spelling, anywhere in the block, never a prefix.</summary>
public class HeaderLookupTests
{
    private static EslEvent Plain(string block) => EslEvent.FromPlain(Encoding.UTF8.GetBytes(block));

    [Fact]
    public void Names_match_in_any_ASCII_case_at_the_first_line_and_further_down()
    {
        EslEvent e = Plain("Event-Name: CHANNEL_CREATE\nUnique-ID: 4b9f\nvariable_sip_from_user: 1004\nCaller-Caller-ID-Name: Zo%C3%AB\n\n");

        Assert.Equal("CHANNEL_CREATE", e["event-name"]);
        Assert.Equal("CHANNEL_CREATE", e["Event-Name"]);
        Assert.Equal("4b9f", e["UNIQUE-ID"]);
        Assert.Equal("4b9f", e.UniqueId);
        Assert.Equal("1004", e.GetVariable("SIP_FROM_USER"));
        Assert.Equal("1004", e.GetVariable("sip_from_user"));
        Assert.Equal("Zoë", e["caller-caller-id-name"]);
        Assert.Equal(4, e.HeaderCount);
    }

    [Fact]
    public void A_prefix_a_suffix_or_a_missing_name_is_not_found()
    {
        EslEvent e = Plain("Event-Name: HEARTBEAT\nX-Unique-ID: 1\nUnique-ID-Extra: 2\nCore-UUID: 3\n\n");

        Assert.Null(e["Unique-ID"]);
        Assert.Null(e["Unique"]);
        Assert.Null(e["UUID"]);
        Assert.Null(e.GetVariable("sip_from_user"));
        Assert.Null(e["Event-Name-Other"]);
        Assert.Equal("3", e["core-uuid"]);
    }

    [Fact]
    public void Values_with_CRLF_line_ends_and_no_space_after_the_colon_are_read_whole()
    {
        EslEvent e = Plain("Event-Name: CUSTOM\r\nA:1\r\nB: two words\r\n\r\n");

        Assert.Equal("1", e["a"]);
        Assert.Equal("two words", e["B"]);
        Assert.Equal("CUSTOM", e.EventName);
    }
}
