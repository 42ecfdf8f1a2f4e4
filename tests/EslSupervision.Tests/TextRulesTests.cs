namespace EslSupervision.Tests;

/// <summary>
/// The tenant of every identity the controller acts on must look like a DNS name: it ends up in
/// <c>user_data</c> look-ups and in command arguments, so anything else makes the leg nobody's.
/// </summary>
public class TextRulesTests
{
    [Theory]
    [InlineData("pbx")]
    [InlineData("pbx.example.com")]
    [InlineData("tenant-1.pbx.example.com")]
    [InlineData("10.0.0.5")]
    [InlineData("a.b")]
    public void A_dns_like_tenant_is_accepted(string domain) => Assert.True(TextRules.IsDomainLike(domain));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("pbx..example.com")]
    [InlineData(".pbx.example.com")]
    [InlineData("pbx.example.com.")]
    [InlineData("-pbx.example.com")]
    [InlineData("pbx-.example.com")]
    [InlineData("pbx.-example.com")]
    [InlineData("pbx_1.example.com")]
    [InlineData("pbx.example.com\r\nevent plain ALL")]
    [InlineData("pbx example.com")]
    [InlineData("pbx.exämple.com")]
    public void Anything_else_is_refused(string? domain) => Assert.False(TextRules.IsDomainLike(domain));

    [Fact]
    public void A_label_may_have_63_characters_not_64_and_the_name_253_not_254()
    {
        Assert.True(TextRules.IsDomainLike(new string('a', 63) + ".com"));
        Assert.False(TextRules.IsDomainLike(new string('a', 64) + ".com"));

        // Three labels of 63 and one of 61, with their dots: exactly 253.
        string longest = string.Join('.', new string('a', 63), new string('b', 63), new string('c', 63), new string('d', 61));
        Assert.Equal(253, longest.Length);
        Assert.True(TextRules.IsDomainLike(longest));
        Assert.False(TextRules.IsDomainLike(longest + "e"));
    }
}
