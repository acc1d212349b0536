/**
 * The Redis replica registry's scripts. Two keys on one slot (the cluster name is their hash tag):
 * a hash of beats (field: replica id, value: "atMs:beat JSON") and a sorted set of when each beat
 * expires. Expiry lives in the sorted set so that neither a beat nor a read walks every beat's
 * JSON: pruning and listing are range reads on the set. Times are Redis's own (TIME), so the
 * replicas' clocks need not agree.
 */
import { LUA_NOW_MS, LuaScript } from "../redis/lua-script.js";

/**
 * KEYS: beats hash, expiry set. ARGV: replica id, ttlMs, beat JSON. Records the beat, drops the
 * beats that expired, and keeps both keys alive for the longest TTL in use (they vanish with the
 * last replica).
 */
export const BEAT = new LuaScript(`${LUA_NOW_MS}
local now = nowMs()
local ttl = tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #expired > 0 then
  redis.call('HDEL', KEYS[1], unpack(expired))
  redis.call('ZREM', KEYS[2], unpack(expired))
end
redis.call('HSET', KEYS[1], ARGV[1], now .. ':' .. ARGV[3])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1
`);

/** KEYS: beats hash, expiry set. ARGV: replica id. A graceful stop: the replica leaves at once. */
export const LEAVE = new LuaScript(`
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`);

/**
 * KEYS: beats hash, expiry set. Returns {nowMs, value, value, ...}: the beats whose TTL has not run
 * out ("atMs:JSON" each).
 */
export const LIST = new LuaScript(`${LUA_NOW_MS}
local now = nowMs()
local out = {now}
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')
if #ids == 0 then return out end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
for i = 1, #ids do
  if values[i] then out[#out + 1] = values[i] end
end
return out
`);
