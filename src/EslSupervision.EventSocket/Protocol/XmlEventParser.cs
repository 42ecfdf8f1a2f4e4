using System.Xml;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// Reads a <c>text/event-xml</c> body: <c>&lt;event&gt;&lt;headers&gt;&lt;Name&gt;urlencoded&lt;/Name&gt;…&lt;/headers&gt;&lt;body&gt;…&lt;/body&gt;&lt;/event&gt;</c>.
/// </summary>
internal static class XmlEventParser
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreWhitespace = true,
    };

    public static EslEvent Parse(byte[] xml)
    {
        try
        {
            using var stream = new MemoryStream(xml, writable: false);
            using var reader = XmlReader.Create(stream, Settings);
            var headers = new List<KeyValuePair<string, string>>(64);
            string? body = null;
            reader.MoveToContent();
            if (reader.Name != "event")
            {
                throw new EslProtocolException("An XML event has no <event> root.");
            }

            // ReadElementContentAsString already moves to the next node, so only other nodes call Read().
            reader.Read();
            while (!reader.EOF)
            {
                if (reader.NodeType != XmlNodeType.Element || reader.Name == "headers")
                {
                    reader.Read();
                    continue;
                }

                string name = reader.Name;
                string raw = reader.ReadElementContentAsString();
                if (name == "body")
                {
                    body = raw;
                }
                else
                {
                    headers.Add(new(name, UrlDecoder.Decode(System.Text.Encoding.UTF8.GetBytes(raw))));
                }
            }

            return EslEvent.FromDecoded([.. headers], body, EslEventFormat.Xml);
        }
        catch (XmlException ex)
        {
            throw new EslProtocolException("An XML event is not well-formed: " + ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // Text the decoder cannot read (invalid UTF-8): bad input like any other.
            throw new EslProtocolException("An XML event has text that cannot be decoded: " + ex.Message);
        }
    }
}
