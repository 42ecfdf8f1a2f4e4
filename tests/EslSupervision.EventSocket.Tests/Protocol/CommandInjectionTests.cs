using System.Text;
using EslSupervision.EventSocket.Protocol;
using Xunit;

namespace EslSupervision.EventSocket.Tests.Protocol;

/// <summary>No caller string can add a line (a command or a header) to what goes on the wire.</summary>
public class CommandInjectionTests
{
    public static TheoryData<string> Hostile() =>
    [
        "ok\r\nexit",
        "ok\nexit",
        "ok\rexit",
        "ok\n\napi hupall",
        "nul\0byte",
        "tab\there",
        "vertical\vtab",
        "escape\u001b[31m",
        "del\u007f",
        "next-line\u0085",
        "c1-csi\u009b31m",
        "line-sep\u2028",
        "para-sep\u2029",
    ];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Line_arguments_with_separators_are_refused(string value)
    {
        Assert.Throws<ArgumentException>(() => EslCommand.Create("api").Token("status", "c").Rest(value, "args").Build());
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Header_values_with_separators_are_refused(string value)
    {
        Assert.Throws<ArgumentException>(() => EslCommand.Create("sendevent").Token("CUSTOM", "e").Header("X-Data", value).Build());
    }

    [Theory]
    [InlineData("Name: injected")]
    [InlineData("two words")]
    [InlineData("")]
    [InlineData("x\ny")]
    public void Header_names_must_be_single_words_without_colons(string name)
    {
        Assert.Throws<ArgumentException>(() => EslCommand.Create("sendevent").Token("CUSTOM", "e").Header(name, "v").Build());
    }

    [Fact]
    public void A_caller_cannot_set_content_length_itself()
    {
        Assert.Throws<ArgumentException>(() => EslCommand.Create("sendevent").Token("CUSTOM", "e").Header("content-length", "5").Build());
    }

    [Fact]
    public void Tokens_refuse_spaces_so_a_uuid_cannot_carry_extra_arguments()
    {
        Assert.Throws<ArgumentException>(() => EslCommand.Create("api").Token("uuid_kill", "c").Token("abc hupall", "uuid").Build());
    }

    [Fact]
    public void Non_ascii_text_is_written_as_utf8_and_the_body_length_counts_bytes()
    {
        EslCommand command = EslCommand.Create("sendevent").Token("CUSTOM", "e").Header("X-Name", "Zoë Ünal 山田").Body("héllo 山田").Build();
        string wire = Encoding.UTF8.GetString(command.Bytes);

        Assert.Contains("X-Name: Zoë Ünal 山田\n", wire, StringComparison.Ordinal);
        Assert.Contains($"Content-Length: {Encoding.UTF8.GetByteCount("héllo 山田")}\n\nhéllo 山田", wire, StringComparison.Ordinal);
        Assert.EndsWith("héllo 山田", wire, StringComparison.Ordinal);
    }
}
