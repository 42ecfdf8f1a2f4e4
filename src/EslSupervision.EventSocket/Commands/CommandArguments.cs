using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using EslSupervision.EventSocket.Protocol;

namespace EslSupervision.EventSocket;

/// <summary>
/// The argument rules of the command helpers. <see cref="CommandText"/> keeps lines and separators off the wire;
/// these rules add what each API command's own parser would misread: the switch splits <c>api</c> arguments on
/// spaces, and <c>originate</c> reads <c>{name=value,...}</c> as its channel-variable block, so a space, a brace
/// or a comma in a caller's value would silently change which argument or variable it becomes.
/// </summary>
internal static class CommandArguments
{
    /// <summary>A channel UUID in the switch's own form (8-4-4-4-12 hex digits).</summary>
    public static string Uuid([NotNull] string? value, string paramName)
    {
        value = CommandText.EnsureToken(value, paramName);
        if (value.Length != 36 || !Guid.TryParseExact(value, "D", out _))
        {
            throw new ArgumentException("The value must be a channel UUID such as 0f8e2a5c-1b2d-4c3e-8f9a-0123456789ab.", paramName);
        }

        return value;
    }

    /// <summary>A channel-variable name: letters, digits, <c>_</c>, <c>-</c> and <c>.</c>, not starting with <c>-</c>.</summary>
    public static string VariableName([NotNull] string? value, string paramName)
    {
        value = CommandText.EnsureToken(value, paramName);
        if (value[0] == '-' || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw new ArgumentException("A variable name may contain only ASCII letters, digits, '_', '-' and '.', and may not start with '-'.", paramName);
        }

        return value;
    }

    /// <summary>A name the switch looks up (dialplan, context, application, hang-up cause): a plain identifier.</summary>
    public static string Name([NotNull] string? value, string paramName)
    {
        value = CommandText.EnsureToken(value, paramName);
        if (value[0] == '-' || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw new ArgumentException("The value may contain only ASCII letters, digits, '_', '-' and '.', and may not start with '-'.", paramName);
        }

        return value;
    }

    /// <summary>
    /// One space-separated argument of an <c>api</c> command: no whitespace, no quotes and no backslash (the
    /// switch's argument splitter strips paired <c>'</c> and turns <c>\n</c>, <c>\s</c> … into other characters),
    /// not starting with <c>-</c> (read as an option such as <c>-bleg</c>).
    /// </summary>
    public static string Word([NotNull] string? value, string paramName)
    {
        value = CommandText.EnsureToken(value, paramName);
        if (value[0] == '-')
        {
            throw new ArgumentException("The value may not start with '-': the switch would read it as an option.", paramName);
        }

        int bad = value.AsSpan().IndexOfAny(ForbiddenInWord);
        if (bad >= 0)
        {
            throw new ArgumentException($"The value contains '{value[bad]}' at position {bad}, which the switch's argument parser would misread.", paramName);
        }

        return value;
    }

    /// <summary>A value sent whole (a header value or a command's last text): spaces inside, none at either end.</summary>
    public static string RestOfLine([NotNull] string? value, string paramName)
    {
        value = CommandText.EnsureLine(value, paramName);
        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            throw new ArgumentException("The value may not start or end with whitespace: the switch would drop it.", paramName);
        }

        return value;
    }

    /// <summary>
    /// The last argument of an <c>api</c> command that keeps the rest of the line: as <see cref="RestOfLine"/>, and
    /// no quote or backslash, which the switch's argument splitter would strip or unescape.
    /// </summary>
    public static string ApiRestOfLine([NotNull] string? value, string paramName)
    {
        value = RestOfLine(value, paramName);
        int bad = value.AsSpan().IndexOfAny(ForbiddenInApiText);
        if (bad >= 0)
        {
            throw new ArgumentException($"The value contains '{value[bad]}' at position {bad}, which the switch's argument parser would strip or unescape.", paramName);
        }

        return value;
    }

    /// <summary>A value inside originate's <c>{name=value,...}</c> block: a word that also cannot close or split the block.</summary>
    public static string VariableValue([NotNull] string? value, string paramName)
    {
        value = CommandText.EnsureLine(value, paramName, allowEmpty: true);
        int bad = value.AsSpan().IndexOfAny(ForbiddenInVariableValue);
        if (bad >= 0)
        {
            throw new ArgumentException($"A channel-variable value for originate may not contain '{value[bad]}' (position {bad}): it would end the value, the variable block or the argument.", paramName);
        }

        return value;
    }

    /// <summary>An originate endpoint such as <c>user/1004@pbx.lab</c>: one dial string, one leg.</summary>
    public static string Endpoint([NotNull] string? value, string paramName)
    {
        value = Word(value, paramName);
        int bad = value.AsSpan().IndexOfAny(ForbiddenInEndpoint);
        if (bad >= 0)
        {
            throw new ArgumentException($"The endpoint may not contain '{value[bad]}' (position {bad}): it would add a variable block or another leg.", paramName);
        }

        if (!value.Contains('/', StringComparison.Ordinal) || value[0] == '&')
        {
            throw new ArgumentException("The endpoint must be a dial string such as user/1004@pbx.lab or sofia/gateway/carrier/5551234.", paramName);
        }

        return value;
    }

    private static readonly SearchValues<char> ForbiddenInWord = SearchValues.Create(" \t'\"\\");
    private static readonly SearchValues<char> ForbiddenInApiText = SearchValues.Create("'\"\\");
    private static readonly SearchValues<char> ForbiddenInVariableValue = SearchValues.Create(" \t'\"\\{}[]<>,");
    private static readonly SearchValues<char> ForbiddenInEndpoint = SearchValues.Create("{}[]<>,|'\"\\");
}
