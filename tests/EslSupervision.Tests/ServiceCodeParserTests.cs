namespace EslSupervision.Tests;

public class ServiceCodeParserTests
{
    private readonly ServiceCodeParser _parser = new(new SupervisionOptions());

    [Theory]
    [InlineData("*901004", SupervisionMode.Spy, "1004")]
    [InlineData("*911004", SupervisionMode.Whisper, "1004")]
    [InlineData("*921004", SupervisionMode.Barge, "1004")]
    [InlineData("*9010", SupervisionMode.Spy, "10")]
    [InlineData("*901234567890", SupervisionMode.Spy, "1234567890")]
    public void Accepts_a_prefix_followed_by_an_extension(string dialed, SupervisionMode mode, string extension)
    {
        ServiceCodeParseResult result = _parser.Parse(dialed);

        Assert.True(result.IsSuccess, result.Reason);
        Assert.Equal(mode, result.Mode);
        Assert.Equal(extension, result.AgentExtension);
        Assert.Equal(ServiceCodeError.None, result.Error);
    }

    [Theory]
    [InlineData(null, ServiceCodeError.Empty)]
    [InlineData("", ServiceCodeError.Empty)]
    [InlineData("*90", ServiceCodeError.MissingExtension)]
    [InlineData("*90abc", ServiceCodeError.InvalidExtension)]
    [InlineData("*9010 04", ServiceCodeError.InvalidExtension)]
    [InlineData("*901", ServiceCodeError.ExtensionTooShort)]
    [InlineData("*9012345678901", ServiceCodeError.ExtensionTooLong)]
    [InlineData("*9012345678901234567890123456789012345678901234567890", ServiceCodeError.ExtensionTooLong)] // 50 digits
    [InlineData("*901234567890123456789012345678901234567890123456789012345678901234567890", ServiceCodeError.TooLong)]
    [InlineData("*901004\r\n", ServiceCodeError.ControlCharacter)]
    [InlineData("*90\n1004", ServiceCodeError.ControlCharacter)]
    [InlineData("*901004\0", ServiceCodeError.ControlCharacter)]
    [InlineData("*931004", ServiceCodeError.UnknownPrefix)]
    [InlineData("1004", ServiceCodeError.UnknownPrefix)]
    [InlineData("#901004", ServiceCodeError.UnknownPrefix)]
    [InlineData("*90\u0661\u0660\u0660\u0664", ServiceCodeError.InvalidExtension)] // Arabic-Indic digits
    [InlineData("*90\uFF11\uFF10\uFF10\uFF14", ServiceCodeError.InvalidExtension)] // full-width digits
    [InlineData(" *901004", ServiceCodeError.Whitespace)]
    [InlineData("*901004 ", ServiceCodeError.Whitespace)]
    [InlineData("*901004\u00A0", ServiceCodeError.Whitespace)]
    [InlineData("*90-1004", ServiceCodeError.InvalidExtension)]
    [InlineData("*90+1004", ServiceCodeError.InvalidExtension)]
    public void Refuses_anything_else_with_a_typed_error(string? dialed, ServiceCodeError expected)
    {
        ServiceCodeParseResult result = _parser.Parse(dialed);

        Assert.False(result.IsSuccess);
        Assert.Equal(expected, result.Error);
        Assert.Null(result.AgentExtension);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Fact]
    public void Uses_configured_prefixes_and_extension_lengths()
    {
        var parser = new ServiceCodeParser(new SupervisionOptions { SpyPrefix = "#55", WhisperPrefix = "#56", BargePrefix = "#57", ExtensionMinDigits = 3, ExtensionMaxDigits = 3 });

        Assert.Equal(("101", SupervisionMode.Barge), (parser.Parse("#57101").AgentExtension, parser.Parse("#57101").Mode));
        Assert.Equal(ServiceCodeError.UnknownPrefix, parser.Parse("*90101").Error);
        Assert.Equal(ServiceCodeError.ExtensionTooLong, parser.Parse("#551011").Error);
    }

    [Fact]
    public void Refuses_to_be_built_from_ambiguous_options()
    {
        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => new ServiceCodeParser(new SupervisionOptions { SpyPrefix = "*9", WhisperPrefix = "*91" }));
    }

    [Theory]
    [InlineData("0", SupervisionMode.Spy)]
    [InlineData("1", SupervisionMode.Whisper)]
    [InlineData("2", SupervisionMode.Barge)]
    public void Maps_mode_digits(string digit, SupervisionMode expected)
    {
        Assert.True(_parser.TryGetModeForDigit(digit, out SupervisionMode mode));
        Assert.Equal(expected, mode);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("*")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("01")]
    [InlineData("\u0661")]
    public void Ignores_other_digits(string? digit)
    {
        Assert.False(_parser.TryGetModeForDigit(digit, out _));
    }
}
