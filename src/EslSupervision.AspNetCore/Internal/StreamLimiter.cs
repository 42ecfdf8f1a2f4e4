using System.Collections.Concurrent;

namespace EslSupervision.AspNetCore.Internal;

/// <summary>Counts open live streams per user, so one user cannot hold many server resources open.</summary>
internal sealed class StreamLimiter
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.OrdinalIgnoreCase);

    public bool TryEnter(string user, int max)
    {
        while (true)
        {
            int current = _open.GetOrAdd(user, 0);
            if (current >= max)
            {
                return false;
            }

            if (_open.TryUpdate(user, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Exit(string user) => _open.AddOrUpdate(user, 0, (_, n) => Math.Max(0, n - 1));

    public int OpenStreams => _open.Values.Sum();
}
