using System.Runtime.CompilerServices;
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

    // The bytes the block may span: its exact length, or a plain event's whole frame body (the block ends at the
    // first blank line, which is looked for only when something needs it: see OfPlainEvent).
    private readonly int _extent;
    private readonly bool _isEvent;
    private int _length;
    private int[]? _lines;

    public HeaderBlock(byte[] data, int start, int length)
        : this(data, start, length, length, isEvent: false)
    {
    }

    private HeaderBlock(byte[] data, int start, int extent, int length, bool isEvent)
    {
        _data = data;
        _start = start;
        _extent = extent;
        _length = length;
        _isEvent = isEvent;
    }

    /// <summary>Where the block starts in its array.</summary>
    public int Start => _start;

    /// <summary>The block's length in bytes, without the closing blank line.</summary>
    public int Length => Volatile.Read(ref _length) is int known and >= 0 ? known : FindBlankLine();

    /// <summary>The length of the block, if already known (for a copy that should not look for it again), or -1.</summary>
    public int KnownLength => Volatile.Read(ref _length);

    /// <summary>The raw bytes of the block, without the closing blank line.</summary>
    public ReadOnlySpan<byte> Raw => _data.AsSpan(_start, Length);

    /// <summary>The block and, for a plain event, whatever follows it in the frame: for reads of the first line only.</summary>
    public ReadOnlySpan<byte> Extent => _data.AsSpan(_start, _extent);

    public int Count => Lines.Length;

    /// <summary>
    /// The body of a <c>text/event-plain</c> frame: a header block, then, if the block has an inner
    /// <c>Content-Length</c>, that many bytes of body after the blank line. Nothing is scanned here: a consumer that
    /// reads only the event name never pays for finding the blank line in ~7.7 KB of headers.
    /// </summary>
    /// <param name="data">The array holding the frame body.</param>
    /// <param name="start">Where the frame body starts in it.</param>
    /// <param name="frameLength">The frame body's length (its <c>Content-Length</c>).</param>
    /// <param name="knownLength">The block's length if already found (a copy of a block), or -1.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static HeaderBlock OfPlainEvent(byte[] data, int start, int frameLength, int knownLength = -1)
        => new(data, start, frameLength, knownLength, isEvent: true);

    /// <summary>
    /// The inner body of a plain event (what follows the blank line, as long as the inner <c>Content-Length</c> says),
    /// or false when it has none. The memory is the block's own array.
    /// </summary>
    public bool TryGetBody(out ReadOnlyMemory<byte> body)
    {
        body = default;
        if (!_isEvent)
        {
            return false;
        }

        int length = Length;
        int bodyStart = length + 2;
        int available = _extent - bodyStart;
        if (available <= 0 || !Extent[length..].StartsWith("\n\n"u8))
        {
            return false; // almost every event ends at its blank line
        }

        // FreeSWITCH writes the inner Content-Length as the last header; read that line without searching the block.
        if (!TryReadLastLineContentLength(Raw, out long declared)
            && !(TryFindRaw("Content-Length", out ReadOnlySpan<byte> raw) && ContentLength.TryParse(raw, out declared)))
        {
            return false;
        }

        body = _data.AsMemory(_start + bodyStart, (int)Math.Min(declared, available));
        return true;
    }

    /// <summary>Offsets (from the block's start) of every non-empty line; built only for enumeration and case-insensitive lookups.</summary>
    private int[] Lines => _lines ?? BuildLines();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private string Decode(int valueStart, int valueLength) => UrlDecoder.Decode(Raw.Slice(valueStart, valueLength));

    private static bool TryReadLastLineContentLength(ReadOnlySpan<byte> headers, out long length)
    {
        int lineStart = headers.LastIndexOf((byte)'\n') + 1;
        ReadOnlySpan<byte> line = headers[lineStart..];
        ReadOnlySpan<byte> prefix = "Content-Length: "u8;
        length = 0;
        return line.Length > prefix.Length
            && Ascii.EqualsIgnoreCase(line[..prefix.Length], prefix)
            && ContentLength.TryParse(line[prefix.Length..], out length);
    }

    /// <summary>A plain event's block ends at the frame's first blank line (or, without one, before its trailing newlines).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FindBlankLine()
    {
        ReadOnlySpan<byte> frame = Extent;
        int blank = frame.IndexOf("\n\n"u8);
        int length = frame.Length;
        if (blank >= 0)
        {
            length = blank;
        }
        else
        {
            while (length > 0 && (frame[length - 1] == (byte)'\n' || frame[length - 1] == (byte)'\r'))
            {
                length--;
            }
        }

        Volatile.Write(ref _length, length);
        return length;
    }

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
