using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace EslSupervision.Tests.FreeSwitchConf;

/// <summary>Locates and reads the files of <c>freeswitch-conf/</c>, copied next to the test binaries.</summary>
internal static class ConfFiles
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "freeswitch-conf");

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static XDocument Load(string relative)
    {
        string path = PathOf(relative);
        Assert.True(File.Exists(path), $"{relative} was not copied to the test output ({path}).");
        return XDocument.Load(path);
    }

    /// <summary>The destination_number expression of the named dialplan extension, verbatim (PCRE).</summary>
    public static string DestinationExpression(string relative, string extensionName)
    {
        XElement extension = Load(relative).Descendants("extension")
            .Single(e => (string?)e.Attribute("name") == extensionName);
        XElement condition = extension.Elements("condition")
            .Single(c => (string?)c.Attribute("field") == "destination_number");
        string? expression = (string?)condition.Attribute("expression");
        Assert.False(string.IsNullOrEmpty(expression));
        return expression;
    }

    /// <summary>The actions of the named extension's destination_number condition, in order.</summary>
    public static IReadOnlyList<(string Application, string? Data)> Actions(string relative, string extensionName)
    {
        XElement extension = Load(relative).Descendants("extension")
            .Single(e => (string?)e.Attribute("name") == extensionName);
        return extension.Elements("condition")
            .Single(c => (string?)c.Attribute("field") == "destination_number")
            .Elements("action")
            .Select(a => ((string)a.Attribute("application")!, (string?)a.Attribute("data")))
            .ToList();
    }

    /// <summary>
    /// Compiles a FreeSWITCH (PCRE) expression for .NET with PCRE's meaning: <c>\d</c> is ASCII-only in
    /// FreeSWITCH's PCRE (no UCP), while .NET's <c>\d</c> matches every Unicode decimal digit, so it is
    /// rewritten to <c>[0-9]</c>. Constructs whose meaning differs between the engines are refused.
    /// </summary>
    public static Regex CompilePcre(string pcre)
    {
        Assert.DoesNotContain(@"\p", pcre, StringComparison.Ordinal);
        Assert.DoesNotContain(@"\w", pcre, StringComparison.Ordinal);
        Assert.DoesNotContain(@"\s", pcre, StringComparison.Ordinal);
        Assert.DoesNotContain("(?", pcre, StringComparison.Ordinal);
        string dotnet = pcre.Replace(@"\d", "[0-9]", StringComparison.Ordinal);
        return new Regex(dotnet, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
