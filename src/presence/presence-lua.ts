/** The Redis presence store's scripts: a replica's report for one room, and the directory of every room's total. */
import { LUA_NOW_MS, LuaScript } from "../redis/lua-script.js";

/**
 * One room's presence hash on the room's shard: a field per replica ("count:expiresAtMs") and
 * `_last` ("total:announcedAtMs"). Uses the server's TIME, so replicas' clocks need not agree.
 * KEYS: hash. ARGV: replicaId, count, ttlMs, announceIntervalMs. Returns {total, announce, pending, live replicas}.
 */
export const SYNC = new LuaScript(`${LUA_NOW_MS}
local now = nowMs()
local count = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
if count > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], count .. ':' .. (now + ttl))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local all = redis.call('HGETALL', KEYS[1])
local total, lastTotal, lastAt, replicas = 0, 0, 0, 0
for i = 1, #all, 2 do
  local c, at = string.match(all[i + 1], '^(%d+):(%d+)$')
  if all[i] == '_last' then
    lastTotal, lastAt = tonumber(c), tonumber(at)
  elseif tonumber(at) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    total = total + tonumber(c)
    replicas = replicas + 1
  end
end
local changed = total ~= lastTotal
local announce = changed and now - lastAt >= tonumber(ARGV[4])
if announce then redis.call('HSET', KEYS[1], '_last', total .. ':' .. now) end
redis.call('PEXPIRE', KEYS[1], ttl * 3)
return {total, announce and 1 or 0, (changed and not announce) and 1 or 0, replicas}
`);

/**
 * The directory: one hash of every room's latest total ("total:expiresAtMs" per room), written by
 * each replica with the totals its sync computed, so many rooms' counts are one HMGET away.
 * A room's field is refreshed by every replica with viewers there (heartbeat) and expires with the
 * reports; each write also prunes a few expired fields, resuming a scan kept in KEYS[2].
 * KEYS: directory hash, scan cursor (same slot). ARGV: ttlMs, then room, total pairs.
 */
export const RECORD_TOTALS = new LuaScript(`${LUA_NOW_MS}
local now = nowMs()
local expires = now + tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  if ARGV[i + 1] == '0' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. ':' .. expires)
  end
end
local scan = redis.call('HSCAN', KEYS[1], redis.call('GET', KEYS[2]) or '0', 'COUNT', 100)
for j = 1, #scan[2], 2 do
  local at = tonumber(string.match(scan[2][j + 1], ':(%d+)$') or '0')
  if at <= now then redis.call('HDEL', KEYS[1], scan[2][j]) end
end
redis.call('SET', KEYS[2], scan[1])
return 1
`);

/** Live totals from the directory, in the order asked (0: none, or expired). KEYS: directory. ARGV: rooms. */
export const READ_TOTALS = new LuaScript(`${LUA_NOW_MS}
local now = nowMs()
local values = redis.call('HMGET', KEYS[1], unpack(ARGV))
local out = {}
for i = 1, #ARGV do
  local total, at = 0, 0
  if values[i] then
    local c, e = string.match(values[i], '^(%d+):(%d+)$')
    if c then total, at = tonumber(c), tonumber(e) end
  end
  if at > now then out[i] = total else out[i] = 0 end
end
return out
`);
