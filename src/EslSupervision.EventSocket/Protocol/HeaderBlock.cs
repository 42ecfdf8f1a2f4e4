using System.Text;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// A block of <c>Name: value</c> lines kept as the bytes that arrived. Nothing is parsed up front: a lookup
/// searches the bytes for that one name (one vectorised search for <c>\nName:</c>), and its value is
/// url-decoded only when read. A consumer reading 8 of ~179 headers pays for 8 searches, not
/// for an index of every line.
/// </summary>
/// <remarks>
/// FreeSWITCH writes every header name in one spelling, so the exact spelling asked for is searched first;
/// only when that misses are the lines walked with an ASCII case-insensitive comparison (so <c>unique-id</c>
/// still finds <c>Unique-ID</c>, and a missing header costs one walk). Safe to read from several threads:
/// the line index is published whole, so a race only repeats work.
/// </remarks>
internal sealed class HeaderBlock : IHeaderSource
{
    /// <summary>Longest name searched with the vectorised exact search (longer names take the line walk).</summary>
    private const int MaxNeedle = 256;

    private static readonly int[] NoLines = [];

    private readonly byte[] _data;
    private readonly int _start;
    private readonly int _length;
    private int[]? _lines;

    public HeaderBlock(byte[] data, int start, int length)
    {
        _data = data;
        _start = start;
        _length = length;
    }

    /// <summary>Where the block starts in its array.</summary>
    public int Start => _start;

    /// <summary>The block's length in bytes.</summary>
    public int Length => _length;

    /// <summary>The raw bytes of the block, without the closing blank line.</summary>
    public ReadOnlySpan<byte> Raw => _data.AsSpan(_start, _length);

    public int Count => Lines.Length;

    /// <summary>Offsets (from the block's start) of every non-empty line; built only for enumeration and case-insensitive lookups.</summary>
    private int[] Lines => _lines ?? BuildLines();

    public string? Find(ReadOnlySpan<char> prefix, ReadOnlySpan<char> name)
    {
        if (!TryLocate(prefix, name, out int valueStart, out int valueLength))
        {
            return null;
        }

        return Decode(valueStart, valueLength);
    }

    /// <summary>The raw (still encoded) value of the first header named <paramref name="name"/>.</summary>
    public bool TryFindRaw(ReadOnlySpan<char> name, out ReadOnlySpan<byte> value)
    {
        if (TryLocate(default, name, out int valueStart, out int valueLength))
        {
            value = Raw.Slice(valueStart, valueLength);
            return true;
        }

        value = default;
        return false;
    }

    public string GetName(int index)
    {
        ReadOnlySpan<byte> line = LineAt(Lines[index]);
        int colon = line.IndexOf((byte)':');
        return Encoding.ASCII.GetString(colon < 0 ? line : line[..colon]);
    }

    public string GetValue(int index)
    {
        int lineStart = Lines[index];
        ReadOnlySpan<byte> line = LineAt(lineStart);
        int colon = line.IndexOf((byte)':');
        int valueOffset = ValueOffset(line, colon < 0 ? line.Length : colon);
        return Decode(lineStart + valueOffset, line.Length - valueOffset);
    }

    private bool TryLocate(ReadOnlySpan<char> prefix, ReadOnlySpan<char> name, out int valueStart, out int valueLength)
    {
        int nameLength = prefix.Length + name.Length;
        ReadOnlySpan<byte> block = Raw;
        valueStart = valueLength = 0;
        if (nameLength == 0 || block.IsEmpty)
        {
            return false;
        }

        if (nameLength <= MaxNeedle)
        {
            // "\n" + name + ":" in the exact spelling asked for.
            Span<byte> needle = stackalloc byte[nameLength + 2];
            needle[0] = (byte)'\n';
            if (!Ascii.IsValid(prefix) || !Ascii.IsValid(name))
            {
                return false; // header names are ASCII: a non-ASCII name matches nothing
            }

            Ascii.FromUtf16(prefix, needle.Slice(1, prefix.Length), out _);
            Ascii.FromUtf16(name, needle.Slice(1 + prefix.Length, name.Length), out _);
            needle[^1] = (byte)':';

            int found = -1;
            if (block.StartsWith(needle[1..]))
            {
                found = 0;
            }
            else if (block.IndexOf(needle) is int at and >= 0)
            {
                found = at + 1; // past the '\n'
            }

            if (found >= 0)
            {
                SetValue(block, found, nameLength, out valueStart, out valueLength);
                return true;
            }
        }

        // Another spelling (or a missing header): walk the lines case-insensitively, without building an index
        // (a missing header is common, and an index would cost an allocation per event).
        int lineStart = 0;
        while (lineStart < block.Length)
        {
            ReadOnlySpan<byte> rest = block[lineStart..];
            if (rest.Length > nameLength && rest[nameLength] == (byte)':'
                && Ascii.EqualsIgnoreCase(rest[..prefix.Length], prefix)
                && Ascii.EqualsIgnoreCase(rest.Slice(prefix.Length, name.Length), name))
            {
                SetValue(block, lineStart, nameLength, out valueStart, out valueLength);
                return true;
            }

            int end = rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                break;
            }

            lineStart += end + 1;
        }

        return false;
    }

    private static void SetValue(ReadOnlySpan<byte> block, int lineStart, int nameLength, out int valueStart, out int valueLength)
    {
        ReadOnlySpan<byte> rest = block[lineStart..];
        int end = rest.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        int offset = ValueOffset(line, nameLength);
        valueStart = lineStart + offset;
        valueLength = line.Length - offset;
    }

    /// <summary>Where the value starts: after the colon and one optional space.</summary>
    private static int ValueOffset(ReadOnlySpan<byte> line, int nameLength)
    {
        int offset = Math.Min(nameLength + 1, line.Length);
        if (offset < line.Length && line[offset] == (byte)' ')
        {
            offset++;
        }

        return offset;
    }

    private ReadOnlySpan<byte> LineAt(int lineStart)
    {
        ReadOnlySpan<byte> rest = Raw[lineStart..];
        int end = rest.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
        return !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;
    }

    // Not cached: a read decodes into a new string, which costs what a cache entry would (EslEvent keeps the
    // few values read over and over, such as the event name and channel id).
    private string Decode(int valueStart, int valueLength) => UrlDecoder.Decode(Raw.Slice(valueStart, valueLength));

    private int[] BuildLines()
    {
        ReadOnlySpan<byte> block = Raw;
        if (block.IsEmpty)
        {
            return _lines = NoLines;
        }

        var lines = new List<int>(block.Length / 32);
        int pos = 0;
        while (pos < block.Length)
        {
            int lineLength = block[pos..].IndexOf((byte)'\n');
            if (lineLength < 0)
            {
                lineLength = block.Length - pos;
            }

            bool blank = lineLength == 0 || (lineLength == 1 && block[pos] == (byte)'\r');
            if (!blank)
            {
                lines.Add(pos);
            }

            pos += lineLength + 1;
        }

        Interlocked.CompareExchange(ref _lines, lines.ToArray(), null);
        return _lines;
    }
}
