using System.Globalization;

namespace EslSupervision.Testing.Internal;

/// <summary>A switch's SIP address, <c>host:port</c> (port 5060 when omitted).</summary>
internal readonly record struct SipAddress(string Host, int Port)
{
    public override string ToString() => Host + ":" + Port.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out SipAddress address)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text) || text.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch) || ch is '@' or '/' or ';' or ','))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? text : text[..colon];
        var port = 5060;
        if (colon >= 0 && (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            return false;
        }

        if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }

        address = new SipAddress(host.ToLowerInvariant(), port);
        return true;
    }
}
