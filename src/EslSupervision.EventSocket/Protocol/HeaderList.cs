namespace EslSupervision.EventSocket.Protocol;

/// <summary>Headers that are already decoded strings (JSON and XML events, events built in code).</summary>
internal sealed class HeaderList : IHeaderSource
{
    private readonly KeyValuePair<string, string>[] _headers;

    public HeaderList(KeyValuePair<string, string>[] headers) => _headers = headers;

    public int Count => _headers.Length;

    public int IndexOf(ReadOnlySpan<char> prefix, ReadOnlySpan<char> name)
    {
        int wanted = prefix.Length + name.Length;
        for (int i = 0; i < _headers.Length; i++)
        {
            string candidate = _headers[i].Key;
            if (candidate.Length == wanted
                && candidate.AsSpan(0, prefix.Length).Equals(prefix, StringComparison.OrdinalIgnoreCase)
                && candidate.AsSpan(prefix.Length).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    public string GetName(int index) => _headers[index].Key;

    public string GetValue(int index) => _headers[index].Value;
}
