using System.Text.Json;
using EslSupervision.EventSocket;

namespace EslSupervision.Calls;

/// <content>
/// Reading the switch's snapshot: the JSON of <c>show channels as json</c> and <c>show calls as json</c>, apart from
/// the diff and merge of the resync (<c>CallRegistry.Resync.cs</c>).
/// </content>
public sealed partial class CallRegistry
{
    private static List<ChannelRow> ParseChannels(EslApiResponse response)
    {
        if (response.IsError)
        {
            throw new CallRegistryResyncException(ResyncFailure.CommandFailed, "The switch refused 'show channels as json'.");
        }

        var rows = new List<ChannelRow>();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(response.Body);
            foreach (JsonElement row in Rows(doc.RootElement))
            {
                string? uuid = Str(row, "uuid");
                if (!IsUuid(uuid))
                {
                    throw new CallRegistryResyncException(ResyncFailure.MalformedChannelList, "A channel row has no valid uuid.");
                }

                rows.Add(new ChannelRow(uuid!, Str(row, "direction"), Str(row, "application"), Str(row, "application_data"), Str(row, "callstate"), Str(row, "created_epoch"))
                {
                    CallerIdNumber = Str(row, "cid_num"),
                    Destination = Str(row, "dest"),
                });
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new CallRegistryResyncException(ResyncFailure.MalformedChannelList, "'show channels as json' did not return the expected JSON.", ex);
        }

        return rows;
    }

    private static Dictionary<string, string> ParseCalls(EslApiResponse response)
    {
        if (response.IsError)
        {
            throw new CallRegistryResyncException(ResyncFailure.CommandFailed, "The switch refused 'show calls as json'.");
        }

        var partners = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(response.Body);
            foreach (JsonElement row in Rows(doc.RootElement))
            {
                string? a = Str(row, "uuid");
                string? b = Str(row, "b_uuid");
                if (IsUuid(a) && IsUuid(b) && a != b)
                {
                    partners[a!] = b!;
                    partners[b!] = a!;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new CallRegistryResyncException(ResyncFailure.MalformedCallList, "'show calls as json' did not return the expected JSON.", ex);
        }

        return partners;
    }

    /// <summary>The rows of a <c>show ... as json</c> reply; an empty list has <c>"row_count":0</c> and no <c>rows</c>.</summary>
    private static List<JsonElement> Rows(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("The reply is not a JSON object.");
        }

        if (!root.TryGetProperty("rows", out JsonElement rows) || rows.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (rows.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("'rows' is not an array.");
        }

        var list = new List<JsonElement>();
        foreach (JsonElement row in rows.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("A row is not an object.");
            }

            list.Add(row);
        }

        return list;
    }

    private static string? Str(JsonElement row, string name)
        => row.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;

    /// <summary>A UUID-like token: safe to put on a command line (no spaces or control characters).</summary>
    private static bool IsUuid(string? value)
        => value is { Length: > 0 and <= 64 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private sealed record ChannelRow(string UniqueId, string? Direction, string? Application, string? ApplicationData, string? CallState, string? CreatedEpoch)
    {
        /// <summary><c>cid_num</c>: the caller ID number (the party number of an inbound leg).</summary>
        public string? CallerIdNumber { get; init; }

        /// <summary><c>dest</c>: the dialled number (the party number of an outbound leg).</summary>
        public string? Destination { get; init; }
    }
}
