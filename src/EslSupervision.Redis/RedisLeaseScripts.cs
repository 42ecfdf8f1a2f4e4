namespace EslSupervision.Redis;

/// <summary>
/// The Lua scripts that make each lease operation one atomic step in Redis. Times are the callers' clocks in Unix
/// milliseconds (the contract judges expiry by the caller's clock); the fence counter is Redis's own.
/// </summary>
internal static class RedisLeaseScripts
{
    /// <summary>
    /// KEYS: lease hash, fence counter, active set. ARGV: owner, now, expiry, physical TTL (ms), member, detail pairs.
    /// Returns <c>{'held', hash...}</c> or <c>{'acquired', fence}</c>. The fence counter is seeded from the server's
    /// clock in microseconds the first time (also after a Redis restart that lost it), so fences stay larger than any
    /// handed out before the restart.
    /// </summary>
    public const string Acquire = """
        local exp = tonumber(redis.call('HGET', KEYS[1], 'exp'))
        if exp and exp > tonumber(ARGV[2]) then
          local held = redis.call('HGETALL', KEYS[1])
          table.insert(held, 1, 'held')
          return held
        end
        if redis.call('EXISTS', KEYS[2]) == 0 then
          local t = redis.call('TIME')
          redis.call('SET', KEYS[2], t[1] .. string.rep('0', 6 - string.len(t[2])) .. t[2])
        end
        redis.call('INCR', KEYS[2])
        local fence = redis.call('GET', KEYS[2])
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'fence', fence, 'exp', ARGV[3])
        for i = 6, #ARGV, 2 do
          redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[5])
        return {'acquired', fence}
        """;

    /// <summary>
    /// KEYS: lease hash, active set. ARGV: fence, now, expiry, physical TTL, member, replace details (0/1), detail pairs.
    /// Returns 1 when renewed, 0 when the lease is not held with that fence or has expired.
    /// </summary>
    public const string Renew = """
        if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
        local exp = tonumber(redis.call('HGET', KEYS[1], 'exp'))
        if not exp or exp <= tonumber(ARGV[2]) then return 0 end
        redis.call('HSET', KEYS[1], 'exp', ARGV[3])
        if ARGV[6] == '1' then
          redis.call('HDEL', KEYS[1], 'st', 'se', 'sl', 'ss', 'al', 'as', 'at', 'ae', 'mode', 'since')
          for i = 7, #ARGV, 2 do
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
          end
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
        return 1
        """;

    /// <summary>KEYS: lease hash, active set. ARGV: fence, now, member. Returns 1 when an unexpired lease with that fence was released.</summary>
    public const string Release = """
        if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[1] then return 0 end
        local exp = tonumber(redis.call('HGET', KEYS[1], 'exp'))
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[3])
        if not exp or exp <= tonumber(ARGV[2]) then return 0 end
        return 1
        """;

    /// <summary>
    /// KEYS: active set. ARGV: now, lease key prefix. Drops expired members, then returns <c>{member, hash, ...}</c> for
    /// each remaining lease (members whose hash Redis already dropped are removed too).
    /// </summary>
    public const string List = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        local members = redis.call('ZRANGE', KEYS[1], 0, -1)
        local out = {}
        for _, m in ipairs(members) do
          local h = redis.call('HGETALL', ARGV[2] .. m)
          if #h == 0 then
            redis.call('ZREM', KEYS[1], m)
          else
            table.insert(out, m)
            table.insert(out, h)
          end
        end
        return out
        """;
}
