using System.Globalization;
using System.Text;

namespace EslSupervision.Testing.Internal;

/// <summary>One event: ordered headers (raw, not encoded) and an optional body.</summary>
internal sealed class EventData
{
    public EventData(List<KeyValuePair<string, string>> headers, string? body)
    {
        Headers = headers;
        Body = body;
    }

    public List<KeyValuePair<string, string>> Headers { get; }

    public string? Body { get; }

    public string Name => Get("Event-Name") ?? string.Empty;

    public string? Get(string name)
    {
        foreach (var (k, v) in Headers)
        {
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }

    public byte[] SerializePlain()
    {
        var sb = new StringBuilder(4096);
        foreach (var (k, v) in Headers)
        {
            sb.Append(k).Append(": ").Append(v.Length == 0 ? "_undef_" : Wire.UrlEncode(v)).Append('\n');
        }

        if (Body is not null)
        {
            var bodyBytes = Encoding.UTF8.GetByteCount(Body);
            sb.Append("Content-Length: ").Append(bodyBytes.ToString(CultureInfo.InvariantCulture)).Append("\n\n").Append(Body);
        }
        else
        {
            sb.Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public byte[] SerializeJson()
    {
        var sb = new StringBuilder(4096);
        sb.Append('{');
        var first = true;
        foreach (var (k, v) in Headers)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append(Wire.JsonString(k)).Append(':');
            if (v.StartsWith("ARRAY::", StringComparison.Ordinal))
            {
                sb.Append('[').AppendJoin(',', v[7..].Split("|:").Select(Wire.JsonString)).Append(']');
            }
            else
            {
                sb.Append(Wire.JsonString(v));
            }
        }

        if (Body is not null)
        {
            sb.Append(first ? string.Empty : ",").Append("\"Content-Length\":").Append(Wire.JsonString(Encoding.UTF8.GetByteCount(Body).ToString(CultureInfo.InvariantCulture)));
            sb.Append(",\"_body\":").Append(Wire.JsonString(Body));
        }

        sb.Append('}');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public byte[] SerializeXml()
    {
        var sb = new StringBuilder(4096);
        sb.Append("<event>\n  <headers>\n");
        foreach (var (k, v) in Headers)
        {
            sb.Append("    <").Append(k).Append('>').Append(Wire.XmlEscape(Wire.UrlEncode(v))).Append("</").Append(k).Append(">\n");
        }

        sb.Append("  </headers>\n");
        if (Body is not null)
        {
            sb.Append("  <Content-Length>").Append(Encoding.UTF8.GetByteCount(Body).ToString(CultureInfo.InvariantCulture)).Append("</Content-Length>\n");
            sb.Append("  <body>").Append(Wire.XmlEscape(Body)).Append("</body>\n");
        }

        sb.Append("</event>");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
