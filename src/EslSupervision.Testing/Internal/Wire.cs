using System.Globalization;
using System.Text;

namespace EslSupervision.Testing.Internal;

/// <summary>FreeSWITCH's byte-level text rules: url encoding (switch_url_encode_opt) and frame envelopes.</summary>
internal static class Wire
{
    public const string DisconnectBody = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

    private const string Unsafe = "\r\n #%&+:;<=>?@[\\]^`{|}\"";

    public static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    /// <summary>Encodes like FreeSWITCH with double_encode=FALSE: an existing %XX passes through untouched.</summary>
    public static string UrlEncode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var sb = new StringBuilder(bytes.Length + 16);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b == (byte)'%' && i + 2 < bytes.Length && IsHex(bytes[i + 1]) && IsHex(bytes[i + 2]))
            {
                sb.Append('%');
                continue;
            }

            if (b < 0x20 || b > 0x7E || Unsafe.Contains((char)b, StringComparison.Ordinal))
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.ToString();
    }

    public static byte[] CommandReply(string replyText, IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        var sb = new StringBuilder();
        sb.Append("Content-Type: command/reply\nReply-Text: ").Append(replyText).Append('\n');
        if (extra is not null)
        {
            foreach (var (k, v) in extra)
            {
                sb.Append(k).Append(": ").Append(v).Append('\n');
            }
        }

        sb.Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static byte[] ApiResponse(string body)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        return Concat(Encoding.UTF8.GetBytes("Content-Type: api/response\nContent-Length: " + payload.Length.ToString(CultureInfo.InvariantCulture) + "\n\n"), payload);
    }

    public static byte[] EventEnvelope(string contentType, byte[] payload) =>
        Concat(Encoding.UTF8.GetBytes("Content-Length: " + payload.Length.ToString(CultureInfo.InvariantCulture) + "\nContent-Type: " + contentType + "\n\n"), payload);

    public static byte[] InboundDisconnect() =>
        Encoding.UTF8.GetBytes("Content-Type: text/disconnect-notice\nContent-Length: 67\n\n" + DisconnectBody);

    public static byte[] SessionDisconnect(string sessionUuid) =>
        Encoding.UTF8.GetBytes("Content-Type: text/disconnect-notice\nControlled-Session-UUID: " + sessionUuid + "\nContent-Disposition: disconnect\nContent-Length: 67\n\n" + DisconnectBody);

    public static byte[] LingerNotice(string sessionUuid, string channelName, int seconds) =>
        Encoding.UTF8.GetBytes("Content-Type: text/disconnect-notice\nControlled-Session-UUID: " + sessionUuid + "\nContent-Disposition: linger\nChannel-Name: " + channelName + "\nLinger-Time: " + seconds.ToString(CultureInfo.InvariantCulture) + "\nContent-Length: 0\n\n");

    public static byte[] LogData(string level, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var head = "Content-Type: log/data\nContent-Length: " + payload.Length.ToString(CultureInfo.InvariantCulture)
            + "\nLog-Level: " + level + "\nText-Channel: 0\nLog-File: fake.c\nLog-Func: fake\nLog-Line: 1\nUser-Data: \n\n";
        return Concat(Encoding.UTF8.GetBytes(head), payload);
    }

    public static byte[] Concat(byte[] a, byte[] b)
    {
        var r = new byte[a.Length + b.Length];
        a.CopyTo(r, 0);
        b.CopyTo(r, a.Length);
        return r;
    }

    public static string JsonString(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    public static string XmlEscape(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
