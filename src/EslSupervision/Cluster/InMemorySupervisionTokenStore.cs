namespace EslSupervision.Cluster;

/// <summary>
/// The single-process <see cref="ISupervisionTokenStore"/>: used nonces in memory until they expire, at most
/// <see cref="Capacity"/> at a time. Thread-safe.
/// </summary>
/// <remarks>
/// Public so that an application can register it explicitly or wrap it. When it is full of unexpired nonces it
/// throws <see cref="InvalidOperationException"/> rather than forget one early, and the verifier refuses the token
/// (fail closed). With the default 10-second token lifetime, 100,000 entries is far beyond any real hand-off rate.
/// </remarks>
public sealed class InMemorySupervisionTokenStore : ISupervisionTokenStore
{
    /// <summary>The default <see cref="Capacity"/>.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _byExpiry = new();
    private readonly Lock _gate = new();

    /// <summary>Creates a store.</summary>
    /// <param name="timeProvider">The clock that decides expiry; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="capacity">The most unexpired nonces held at once (1 or more).</param>
    public InMemorySupervisionTokenStore(TimeProvider? timeProvider = null, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _timeProvider = timeProvider ?? TimeProvider.System;
        Capacity = capacity;
    }

    /// <summary>The most unexpired nonces held at once.</summary>
    public int Capacity { get; }

    /// <summary>How many nonces are held now (expired ones may linger until the next call).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _used.Count;
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The store is full of unexpired nonces.</exception>
    public ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            EvictExpired(now);
            if (expiresAt <= now || _used.ContainsKey(nonce))
            {
                return ValueTask.FromResult(false);
            }

            if (_used.Count >= Capacity)
            {
                throw new InvalidOperationException($"The supervision token store holds {Capacity} unexpired nonces and cannot take more.");
            }

            _used.Add(nonce, expiresAt);
            _byExpiry.Enqueue(nonce, expiresAt);
            return ValueTask.FromResult(true);
        }
    }

    /// <summary>Forgets every nonce whose expiry has passed: the verifier refuses those tokens as expired anyway.</summary>
    private void EvictExpired(DateTimeOffset now)
    {
        while (_byExpiry.TryPeek(out string? nonce, out DateTimeOffset expiry) && expiry <= now)
        {
            _byExpiry.Dequeue();
            _used.Remove(nonce);
        }
    }
}
