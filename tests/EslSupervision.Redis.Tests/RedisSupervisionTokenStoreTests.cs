using EslSupervision.Cluster;
using Microsoft.Extensions.Time.Testing;

namespace EslSupervision.Redis.Tests;

/// <summary>The shared single-use token store: a nonce is accepted once in the whole cluster.</summary>
public sealed class RedisSupervisionTokenStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 16, 0, 0, TimeSpan.Zero));
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N");
    private readonly List<RedisCoordinationConnection> _connections = [];

    [Fact]
    public async Task A_token_replayed_to_another_replica_is_refused_and_racing_replicas_accept_it_once()
    {
        RedisSupervisionTokenStore a = await ReplicaAsync();
        RedisSupervisionTokenStore b = await ReplicaAsync();
        DateTimeOffset expiry = _time.GetUtcNow().AddSeconds(10);

        Assert.True(await a.TryConsumeAsync("nonce-aaaaaaaaaaaaaaaaa", expiry));
        Assert.False(await b.TryConsumeAsync("nonce-aaaaaaaaaaaaaaaaa", expiry));
        Assert.False(await a.TryConsumeAsync("nonce-aaaaaaaaaaaaaaaaa", expiry));

        for (int i = 0; i < 20; i++)
        {
            string nonce = "race-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
            bool[] answers = await Task.WhenAll(a.TryConsumeAsync(nonce, expiry).AsTask(), b.TryConsumeAsync(nonce, expiry).AsTask());
            Assert.Single(answers, answer => answer);
        }
    }

    [Fact]
    public async Task An_already_expired_token_is_refused_and_a_malformed_nonce_never_reaches_Redis()
    {
        RedisSupervisionTokenStore a = await ReplicaAsync();

        Assert.False(await a.TryConsumeAsync("nonce-bbbbbbbbbbbbbbbbb", _time.GetUtcNow()));
        await Assert.ThrowsAsync<ArgumentException>(async () => await a.TryConsumeAsync("bad nonce\r\nFLUSHALL", _time.GetUtcNow().AddSeconds(5)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await a.TryConsumeAsync("", _time.GetUtcNow().AddSeconds(5)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (RedisCoordinationConnection c in _connections)
        {
            await c.DisposeAsync();
        }
    }

    private async Task<RedisSupervisionTokenStore> ReplicaAsync()
    {
        var connection = new RedisCoordinationConnection(new RedisCoordinationOptions { ConnectionString = redis.Server.ConnectionString, KeyPrefix = _prefix });
        _connections.Add(connection);
        Assert.True(await connection.ConnectAsync());
        return new RedisSupervisionTokenStore(connection, _time);
    }
}
