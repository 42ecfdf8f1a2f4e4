namespace EslSupervision.EventSocket.Protocol;

/// <summary>Read access to an ordered set of headers, whatever their storage.</summary>
internal interface IHeaderSource
{
    int Count { get; }

    /// <summary>The decoded value of the first header named <paramref name="prefix"/> + <paramref name="name"/> (ASCII case-insensitive), or null.</summary>
    string? Find(ReadOnlySpan<char> prefix, ReadOnlySpan<char> name);

    string GetName(int index);

    /// <summary>The decoded value of the header at <paramref name="index"/> (enumeration order).</summary>
    string GetValue(int index);
}
