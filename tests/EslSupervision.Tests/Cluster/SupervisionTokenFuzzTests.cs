using System.Text;
using EslSupervision.Cluster;

namespace EslSupervision.Tests.Cluster;

/// <summary>Whatever arrives as a parked destination, the validator answers with a refusal and never throws.</summary>
public class SupervisionTokenFuzzTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    private const string Hostile = ".\r\n\t\0 ${}%+/=@:;\"'\\\u0085\u2028\u00e9\u0661\uFF11\uD83D";

    public static TheoryData<string, string?> ShapeDefects()
    {
        var kit = new TokenKit();
        string good = kit.Issue();
        int dot = good.IndexOf('.', StringComparison.Ordinal);
        return new TheoryData<string, string?>
        {
            { "null", null },
            { "empty", "" },
            { "prefix only", "sup-" },
            { "no dot", good.Replace(".", "", StringComparison.Ordinal) },
            { "two dots", good.Insert(dot, ".") },
            { "dot-dot", good.Insert(dot, "..") },
            { "upper-case prefix", "SUP-" + good[4..] },
            { "trailing LF", good + "\n" },
            { "trailing CR LF", good + "\r\n" },
            { "inner CR", good.Insert(10, "\r") },
            { "expansion", good.Insert(10, "${x}") },
            { "space", good.Insert(10, " ") },
            { "padding", good + "=" },
            { "standard base64 char", good[..10] + "+" + good[11..] },
            { "short mac", good[..^1] },
            { "long mac", good + "A" },
            { "empty payload", "sup-." + good[(dot + 1)..] },
            { "oversized", "sup-" + new string('A', 300) + "." + good[(dot + 1)..] },
            { "256 characters", "sup-" + new string('A', 208) + "." + good[(dot + 1)..] },
            { "payload length 1 mod 4", "sup-AAAAA." + good[(dot + 1)..] },
            { "non-canonical mac (unused low bits set)", good[..^1] + NonCanonical(good[^1]) },
            { "non-ASCII digit", good.Insert(10, "\u0661") },
        };
    }

    [Theory]
    [MemberData(nameof(ShapeDefects))]
    public void A_destination_of_the_wrong_shape_is_malformed(string why, string? destination)
    {
        var kit = new TokenKit();

        Assert.True(SupervisionTokenRefusal.Malformed == kit.Check(destination).Reason, why);
    }

    [Fact]
    public void Thousands_of_random_strings_are_all_refused_without_an_exception()
    {
        var kit = new TokenKit();
        var random = new Random(20261206);
        string good = kit.Issue();

        for (int i = 0; i < 4000; i++)
        {
            string candidate = (i % 4) switch
            {
                0 => "sup-" + RandomText(random, random.Next(0, 300), Alphabet),
                1 => RandomText(random, random.Next(0, 80), Alphabet + Hostile),
                2 => Mutate(random, good),
                _ => "sup-" + RandomText(random, random.Next(1, 208), Alphabet.Replace(".", "", StringComparison.Ordinal)) + "." + RandomText(random, 43, Alphabet[..^1]),
            };

            if (candidate == good)
            {
                continue; // an insert undone by a delete
            }

            SupervisionTokenOutcome outcome = kit.Check(candidate);

            Assert.False(outcome.IsAccepted, $"accepted random input #{i}");
            Assert.NotEqual(SupervisionTokenRefusal.None, outcome.Reason);
        }

        // The genuine token is still unused: no random input consumed it.
        Assert.True(kit.Check(good).IsAccepted);
    }

    [Fact]
    public void Every_truncation_of_a_token_is_refused()
    {
        var kit = new TokenKit();
        string good = kit.Issue();

        for (int length = 0; length < good.Length; length++)
        {
            Assert.False(kit.Check(good[..length]).IsAccepted, $"accepted the first {length} characters");
        }

        Assert.True(kit.Check(good).IsAccepted);
    }

    /// <summary>Random edits of a genuine token: replace, insert or delete one to three characters.</summary>
    internal static string Mutate(Random random, string token)
    {
        var builder = new StringBuilder(token);
        int edits = random.Next(1, 4);
        string pool = Alphabet + Hostile;
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(0, builder.Length);
            switch (random.Next(3))
            {
                case 0:
                    char replacement = pool[random.Next(pool.Length)];
                    builder[at] = replacement == builder[at] ? (replacement == 'A' ? 'B' : 'A') : replacement;
                    break;
                case 1:
                    builder.Insert(at, pool[random.Next(pool.Length)]);
                    break;
                default:
                    builder.Remove(at, 1);
                    break;
            }
        }

        return builder.ToString();
    }

    internal static string RandomText(Random random, int length, string pool)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = pool[random.Next(pool.Length)];
        }

        return new string(chars);
    }

    /// <summary>The same 6-bit group with one of the two bits that a 32-byte value never uses set.</summary>
    private static char NonCanonical(char last)
    {
        const string url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return url[url.IndexOf(last, StringComparison.Ordinal) | 1];
    }
}
