namespace EslSupervision.EventSocket.Protocol;

/// <summary>
/// What an event that was dropped unread has instead of its headers once its chunk went back to the pool:
/// nothing in the library can reach such an event, and if a bug ever did, it fails loudly here instead of
/// reading bytes that now belong to another event.
/// </summary>
internal sealed class ReleasedHeaders : IHeaderSource
{
    public static readonly ReleasedHeaders Instance = new();

    private ReleasedHeaders()
    {
    }

    public int Count => throw Released();

    public string? Find(ReadOnlySpan<char> prefix, ReadOnlySpan<char> name) => throw Released();

    public string GetName(int index) => throw Released();

    public string GetValue(int index) => throw Released();

    private static InvalidOperationException Released()
        => new("This event was dropped before any consumer took it, and its bytes were released.");
}
