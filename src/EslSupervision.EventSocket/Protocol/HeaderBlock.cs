using System.Text;

namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// A block of <c>Name: value</c> lines kept as the bytes that arrived. Nothing is parsed until a header is
/// asked for; then one pass records where each line's name and value are, and a value is url-decoded (and
/// cached) only when it is read. That keeps ingest close to the cost of framing.
/// </summary>
/// <remarks>
/// Safe to read from several threads: the index and the decoded values are published whole, so a race only
/// repeats work.
/// </remarks>
internal sealed class HeaderBlock : IHeaderSource
{
    private static readonly Entry[] NoEntries = [];

    private readonly byte[] _data;
    private readonly int _start;
    private readonly int _length;
    private Entry[]? _entries;
    private string?[]? _decoded;

    public HeaderBlock(byte[] data, int start, int length)
    {
        _data = data;
        _start = start;
        _length = length;
    }

    /// <summary>The raw bytes of the block, without the closing blank line.</summary>
    public ReadOnlySpan<byte> Raw => _data.AsSpan(_start, _length);

    public int Count => Entries.Length;

    private Entry[] Entries => _entries ?? BuildIndex();

    public int IndexOf(ReadOnlySpan<char> prefix, ReadOnlySpan<char> name)
    {
        int wanted = prefix.Length + name.Length;
        Entry[] entries = Entries;
        for (int i = 0; i < entries.Length; i++)
        {
            ref readonly Entry e = ref entries[i];
            if (e.NameLength != wanted)
            {
                continue;
            }

            ReadOnlySpan<byte> candidate = _data.AsSpan(e.NameStart, e.NameLength);
            if (Ascii.EqualsIgnoreCase(candidate[..prefix.Length], prefix)
                && Ascii.EqualsIgnoreCase(candidate[prefix.Length..], name))
            {
                return i;
            }
        }

        return -1;
    }

    public string GetName(int index)
    {
        ref readonly Entry e = ref Entries[index];
        return Encoding.ASCII.GetString(_data, e.NameStart, e.NameLength);
    }

    public string GetValue(int index)
    {
        string?[]? decoded = _decoded;
        if (decoded is null)
        {
            Interlocked.CompareExchange(ref _decoded, new string?[Entries.Length], null);
            decoded = _decoded;
        }

        string? value = decoded[index];
        if (value is null)
        {
            ref readonly Entry e = ref Entries[index];
            value = UrlDecoder.Decode(_data.AsSpan(e.ValueStart, e.ValueLength));
            decoded[index] = value;
        }

        return value;
    }

    /// <summary>The raw (still encoded) bytes of a header's value.</summary>
    public ReadOnlySpan<byte> GetRawValue(int index)
    {
        ref readonly Entry e = ref Entries[index];
        return _data.AsSpan(e.ValueStart, e.ValueLength);
    }

    private Entry[] BuildIndex()
    {
        ReadOnlySpan<byte> block = Raw;
        if (block.IsEmpty)
        {
            return _entries = NoEntries;
        }

        // Plain events carry about 120-210 lines; counting first sizes the array exactly.
        int lines = block.Count((byte)'\n') + 1;
        var entries = new Entry[lines];
        int count = 0;
        int pos = 0;
        while (pos < block.Length)
        {
            int lineLength = block[pos..].IndexOf((byte)'\n');
            if (lineLength < 0)
            {
                lineLength = block.Length - pos;
            }

            ReadOnlySpan<byte> line = block.Slice(pos, lineLength);
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (!line.IsEmpty)
            {
                int colon = line.IndexOf((byte)':');
                int nameLength = colon < 0 ? line.Length : colon;
                int valueOffset = colon < 0 ? line.Length : colon + 1;
                if (valueOffset < line.Length && line[valueOffset] == (byte)' ')
                {
                    valueOffset++;
                }

                entries[count++] = new Entry(_start + pos, nameLength, _start + pos + valueOffset, line.Length - valueOffset);
            }

            pos += lineLength + 1;
        }

        if (count != entries.Length)
        {
            Array.Resize(ref entries, count);
        }

        Interlocked.CompareExchange(ref _entries, entries, null);
        return _entries;
    }

    private readonly record struct Entry(int NameStart, int NameLength, int ValueStart, int ValueLength);
}
