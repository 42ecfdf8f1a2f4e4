namespace EslSupervision.EventSocket.Protocol;

/// <summary>Headers that are already decoded strings (JSON and XML events, events built in code).</summary>
internal sealed class HeaderList : IHeaderSource
{
    private readonly KeyValuePair<string, string>[] _headers;

    public HeaderList(KeyValuePair<string, string>[] headers) => _headers = headers;

    public int Count => _headers.Length;

    public string? Find(ReadOnlySpan<char> prefix, ReadOnlySpan<char> name)
    {
        int wanted = prefix.Length + name.Length;
        for (int i = 0; i < _headers.Length; i++)
        {
            string candidate = _headers[i].Key;
            if (candidate.Length == wanted
                && candidate.AsSpan(0, prefix.Length).Equals(prefix, StringComparison.OrdinalIgnoreCase)
                && candidate.AsSpan(prefix.Length).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return _headers[i].Value;
            }
        }

        return null;
    }

    public string GetName(int index) => _headers[index].Key;

    public string GetValue(int index) => _headers[index].Value;

    /// <summary>A rough size in bytes, for buffer accounting of events built in code.</summary>
    public int ApproximateSize()
    {
        int size = 0;
        foreach (var (key, value) in _headers)
        {
            size += key.Length + value.Length + 3;
        }

        return size;
    }
}
