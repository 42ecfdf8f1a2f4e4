namespace EslSupervision.EventSocket.Protocol;

/// <summary>Read access to an ordered set of headers, whatever their storage.</summary>
internal interface IHeaderSource
{
    int Count { get; }

    /// <summary>The index of the first header named <paramref name="prefix"/> + <paramref name="name"/> (ASCII case-insensitive), or -1.</summary>
    int IndexOf(ReadOnlySpan<char> prefix, ReadOnlySpan<char> name);

    string GetName(int index);

    /// <summary>The decoded value of the header at <paramref name="index"/>.</summary>
    string GetValue(int index);
}
