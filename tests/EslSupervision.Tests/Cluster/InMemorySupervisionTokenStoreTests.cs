using EslSupervision.Cluster;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Tests.Cluster;

public class InMemorySupervisionTokenStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_nonce_is_consumed_once_until_it_expires()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemorySupervisionTokenStore(time);
        DateTimeOffset expiresAt = Start.AddSeconds(12);

        Assert.True(await store.TryConsumeAsync("nonce-1", expiresAt, Ct));
        Assert.False(await store.TryConsumeAsync("nonce-1", expiresAt, Ct));
        Assert.True(await store.TryConsumeAsync("nonce-2", expiresAt, Ct));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(await store.TryConsumeAsync("nonce-1", expiresAt, Ct));
    }

    [Fact]
    public async Task A_nonce_already_past_its_expiry_is_never_consumed()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemorySupervisionTokenStore(time);

        Assert.False(await store.TryConsumeAsync("late", Start, Ct));
        Assert.False(await store.TryConsumeAsync("later", Start.AddSeconds(-1), Ct));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Expired_nonces_are_evicted_so_the_store_stays_bounded()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemorySupervisionTokenStore(time, capacity: 3);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await store.TryConsumeAsync($"old-{i}", Start.AddSeconds(10 + i), Ct));
        }

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.TryConsumeAsync("one-too-many", Start.AddSeconds(10), Ct));

        time.Advance(TimeSpan.FromSeconds(11)); // old-0 and old-1 expire
        Assert.True(await store.TryConsumeAsync("new-0", time.GetUtcNow().AddSeconds(10), Ct));
        Assert.True(await store.TryConsumeAsync("new-1", time.GetUtcNow().AddSeconds(10), Ct));
        Assert.Equal(3, store.Count);
        Assert.False(await store.TryConsumeAsync("old-2", Start.AddSeconds(12), Ct));
    }

    [Fact]
    public async Task Concurrent_attempts_on_one_nonce_succeed_exactly_once()
    {
        var store = new InMemorySupervisionTokenStore(new FakeTimeProvider(Start));
        const int attempts = 64;
        using var barrier = new Barrier(attempts);

        for (int round = 0; round < 20; round++)
        {
            string nonce = $"race-{round}";
            Task<bool>[] racers = Enumerable.Range(0, attempts)
                .Select(_ => Task.Factory.StartNew(
                    () =>
                    {
                        barrier.SignalAndWait(TimeSpan.FromSeconds(30), Ct);
                        return store.TryConsumeAsync(nonce, Start.AddSeconds(10), Ct).AsTask().GetAwaiter().GetResult();
                    },
                    Ct,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default))
                .ToArray();

            bool[] results = await Task.WhenAll(racers).WaitAsync(TimeSpan.FromSeconds(30), Ct);

            Assert.Equal(1, results.Count(r => r));
        }
    }

    [Fact]
    public async Task Concurrent_distinct_nonces_are_all_consumed()
    {
        var store = new InMemorySupervisionTokenStore(new FakeTimeProvider(Start));

        bool[] results = await Task.WhenAll(Enumerable.Range(0, 1000)
            .Select(i => Task.Run(() => store.TryConsumeAsync($"n-{i}", Start.AddSeconds(10), Ct).AsTask(), Ct)));

        Assert.All(results, Assert.True);
        Assert.Equal(1000, store.Count);
    }

    [Fact]
    public void A_capacity_below_one_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new InMemorySupervisionTokenStore(capacity: 0));
}
