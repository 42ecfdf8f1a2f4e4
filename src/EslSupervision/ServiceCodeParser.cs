using Microsoft.Extensions.Options;

namespace EslSupervision;

/// <summary>Why a dialled string is not a supervision service code.</summary>
/// <remarks>Public because it is <see cref="ServiceCodeParseResult.Error"/>.</remarks>
public enum ServiceCodeError
{
    /// <summary>No error: the code was accepted.</summary>
    None = 0,

    /// <summary>Nothing was dialled (null or empty).</summary>
    Empty,

    /// <summary>The string has leading or trailing whitespace.</summary>
    Whitespace,

    /// <summary>The string contains a control character (CR, LF, NUL, ...).</summary>
    ControlCharacter,

    /// <summary>The string is far longer than any service code (more than 64 characters).</summary>
    TooLong,

    /// <summary>The string does not start with a configured service-code prefix.</summary>
    UnknownPrefix,

    /// <summary>The prefix is not followed by an extension.</summary>
    MissingExtension,

    /// <summary>The extension contains something other than ASCII digits 0-9.</summary>
    InvalidExtension,

    /// <summary>The extension has fewer digits than <see cref="SupervisionOptions.ExtensionMinDigits"/>.</summary>
    ExtensionTooShort,

    /// <summary>The extension has more digits than <see cref="SupervisionOptions.ExtensionMaxDigits"/>.</summary>
    ExtensionTooLong,
}

/// <summary>The outcome of <see cref="ServiceCodeParser.Parse(string?)"/>: a mode and extension, or a typed refusal.</summary>
/// <remarks>Public because <see cref="ServiceCodeParser.Parse"/> returns it.</remarks>
public sealed class ServiceCodeParseResult
{
    private ServiceCodeParseResult(SupervisionMode mode, string? agentExtension, ServiceCodeError error, string reason)
    {
        Mode = mode;
        AgentExtension = agentExtension;
        Error = error;
        Reason = reason;
    }

    /// <summary>Whether the dialled string is a valid service code.</summary>
    public bool IsSuccess => Error == ServiceCodeError.None;

    /// <summary>The requested mode (meaningful only when <see cref="IsSuccess"/>).</summary>
    public SupervisionMode Mode { get; }

    /// <summary>The agent's extension (ASCII digits), or <see langword="null"/> when refused.</summary>
    public string? AgentExtension { get; }

    /// <summary>Why the string was refused, or <see cref="ServiceCodeError.None"/>.</summary>
    public ServiceCodeError Error { get; }

    /// <summary>A human-readable explanation; never repeats the dialled string.</summary>
    public string Reason { get; }

    internal static ServiceCodeParseResult Success(SupervisionMode mode, string extension)
        => new(mode, extension, ServiceCodeError.None, "Accepted.");

    internal static ServiceCodeParseResult Failure(ServiceCodeError error, string reason)
        => new(default, null, error, reason);

    /// <summary>A short description.</summary>
    public override string ToString() => IsSuccess ? $"{Mode} {AgentExtension}" : $"{Error}: {Reason}";
}

/// <summary>
/// Parses dialled service codes (prefix + agent extension, e.g. <c>*901004</c>) strictly: anything that is not
/// exactly a configured prefix followed by an extension of ASCII digits is refused with a typed error,
/// never guessed at. Also maps in-call DTMF digits to modes. Immutable and thread-safe.
/// </summary>
/// <remarks>Public because dialplan tooling and tests of your own can check service codes with the same strict parser the controller uses.</remarks>
public sealed class ServiceCodeParser
{
    /// <summary>Longer strings are refused before they are looked at (a prefix plus 32 digits fits easily).</summary>
    private const int MaxDialedLength = 64;

    private readonly (string Prefix, SupervisionMode Mode)[] _prefixes;
    private readonly Dictionary<string, SupervisionMode> _digits;
    private readonly int _minDigits;
    private readonly int _maxDigits;

    /// <summary>Creates a parser from options, which must pass <see cref="SupervisionOptionsValidator"/>.</summary>
    /// <param name="options">The options; they are copied.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public ServiceCodeParser(SupervisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult validation = new SupervisionOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SupervisionOptions), validation.Failures);
        }

        _prefixes =
        [
            (options.SpyPrefix, SupervisionMode.Spy),
            (options.WhisperPrefix, SupervisionMode.Whisper),
            (options.BargePrefix, SupervisionMode.Barge),
        ];
        _digits = new Dictionary<string, SupervisionMode>(StringComparer.Ordinal)
        {
            [options.SpyDigit] = SupervisionMode.Spy,
            [options.WhisperDigit] = SupervisionMode.Whisper,
            [options.BargeDigit] = SupervisionMode.Barge,
        };
        _minDigits = options.ExtensionMinDigits;
        _maxDigits = options.ExtensionMaxDigits;
    }

    /// <summary>The in-call DTMF digits and the modes they select.</summary>
    public IReadOnlyDictionary<string, SupervisionMode> DigitMap => _digits;

    /// <summary>Parses a dialled string, such as the <c>Caller-Destination-Number</c> of a parked leg.</summary>
    /// <param name="dialed">The dialled string.</param>
    public ServiceCodeParseResult Parse(string? dialed)
    {
        if (string.IsNullOrEmpty(dialed))
        {
            return ServiceCodeParseResult.Failure(ServiceCodeError.Empty, "Nothing was dialled.");
        }

        if (TextRules.ContainsControl(dialed))
        {
            return ServiceCodeParseResult.Failure(ServiceCodeError.ControlCharacter, "The dialled string contains a control character.");
        }

        if (char.IsWhiteSpace(dialed[0]) || char.IsWhiteSpace(dialed[^1]))
        {
            return ServiceCodeParseResult.Failure(ServiceCodeError.Whitespace, "The dialled string has leading or trailing whitespace.");
        }

        if (dialed.Length > MaxDialedLength)
        {
            return ServiceCodeParseResult.Failure(ServiceCodeError.TooLong, $"The dialled string is longer than {MaxDialedLength} characters.");
        }

        foreach ((string prefix, SupervisionMode mode) in _prefixes)
        {
            if (!dialed.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            ReadOnlySpan<char> extension = dialed.AsSpan(prefix.Length);
            if (extension.IsEmpty)
            {
                return ServiceCodeParseResult.Failure(ServiceCodeError.MissingExtension, "The service code has no extension after its prefix.");
            }

            if (!TextRules.IsAsciiDigits(extension))
            {
                return ServiceCodeParseResult.Failure(ServiceCodeError.InvalidExtension, "The extension must consist of the ASCII digits 0-9 only.");
            }

            if (extension.Length < _minDigits)
            {
                return ServiceCodeParseResult.Failure(ServiceCodeError.ExtensionTooShort, $"The extension has fewer than {_minDigits} digits.");
            }

            if (extension.Length > _maxDigits)
            {
                return ServiceCodeParseResult.Failure(ServiceCodeError.ExtensionTooLong, $"The extension has more than {_maxDigits} digits.");
            }

            return ServiceCodeParseResult.Success(mode, extension.ToString());
        }

        return ServiceCodeParseResult.Failure(ServiceCodeError.UnknownPrefix, "The dialled string does not start with a supervision service code.");
    }

    /// <summary>Maps an in-call DTMF digit to the mode it selects.</summary>
    /// <param name="digit">The digit as reported (e.g. the <c>ESL-Supervision-Digit</c> header).</param>
    /// <param name="mode">The selected mode when found.</param>
    /// <returns><see langword="true"/> if the digit is one of the configured mode digits.</returns>
    public bool TryGetModeForDigit(string? digit, out SupervisionMode mode)
    {
        mode = default;
        return digit is not null && _digits.TryGetValue(digit, out mode);
    }
}
