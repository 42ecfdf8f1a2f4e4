using System.Text;
using System.Text.Json;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// Reads a <c>text/event-json</c> body: one flat object of strings (values are not url-encoded), arrays
/// for array headers, and the body under <c>_body</c>.
/// </summary>
internal static class JsonEventParser
{
    public static EslEvent Parse(byte[] json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new EslProtocolException("A JSON event is not a JSON object.");
            }

            var headers = new List<KeyValuePair<string, string>>(64);
            string? body = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                string value = ReadValue(ref reader);
                if (name == "_body")
                {
                    body = value;
                }
                else
                {
                    headers.Add(new(name, value));
                }
            }

            return EslEvent.FromDecoded([.. headers], body, EslEventFormat.Json);
        }
        catch (JsonException ex)
        {
            throw new EslProtocolException("A JSON event is not valid JSON: " + ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // Invalid UTF-8 or a lone surrogate escape (\ud800) fails only when the string is read: still bad input.
            throw new EslProtocolException("A JSON event has text that cannot be decoded: " + ex.Message);
        }
    }

    private static string ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString()!;
            case JsonTokenType.Number:
            case JsonTokenType.True:
            case JsonTokenType.False:
                return Encoding.UTF8.GetString(reader.ValueSpan);
            case JsonTokenType.Null:
                return string.Empty;
            case JsonTokenType.StartArray:
                var items = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader));
                }

                // Same shape as a plain event's array header, so consumers read both alike.
                return "ARRAY::" + string.Join("|:", items);
            default:
                throw new EslProtocolException($"A JSON event has an unexpected {reader.TokenType} value.");
        }
    }
}
