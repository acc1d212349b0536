/** The Redis moderation store's scripts (redis-moderation-store.ts): bounded hashes and reports, each one atomic step. */
import { LuaScript } from "../../redis/lua-script.js";

/**
 * Sets a hash field with a bound on the hash's size: 0 updated an existing field (ARGV[3] = 1
 * merges the old JSON's fields under the new: a renamed moderator keeps when they were
 * appointed), 1 added, -1 full. KEYS: hash. ARGV: field, JSON, merge (0/1), cap.
 */
export const BOUNDED_SET = new LuaScript(`
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local value = ARGV[2]
  if ARGV[3] == '1' then
    local merged = cjson.decode(old)
    for k, v in pairs(cjson.decode(ARGV[2])) do if k ~= 'by' and k ~= 'at' then merged[k] = v end end
    value = cjson.encode(merged)
  end
  redis.call('HSET', KEYS[1], ARGV[1], value)
  return 0
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`);

/** HGETALL as a flat array (a script: the same reply shape in RESP2 and RESP3). */
export const HASH_ALL = new LuaScript(`return redis.call('HGETALL', KEYS[1])`);

/**
 * Files a report. KEYS: reported messages hash, their last-report times (zset), the reporter's
 * counter in the room. ARGV: message id, message snapshot JSON, report JSON, reporter id, per-user
 * bound, window (ms), per-room bound, reports kept per message, ttl (s), now (ms, the caller's:
 * only ordering uses it).
 * Returns {1, item} filed, {0, item} reported by this user before, {-1, ms} over the user's bound.
 */
export const REPORT = new LuaScript(`
local rep, rz, rl = KEYS[1], KEYS[2], KEYS[3]
local id, uid = ARGV[1], ARGV[4]
local raw = redis.call('HGET', rep, id)
local item = nil
if raw then
  item = cjson.decode(raw)
  for _, r in ipairs(item.reports) do if r.by.id == uid then return {0, raw} end end
end
local n = redis.call('INCR', rl)
if n == 1 then redis.call('PEXPIRE', rl, ARGV[6]) end
if n > tonumber(ARGV[5]) then
  redis.call('DECR', rl)
  return {-1, tostring(redis.call('PTTL', rl))}
end
if not item then
  item = {id = id, room = '', message = cjson.decode(ARGV[2]), reports = {}, count = 0}
end
table.insert(item.reports, cjson.decode(ARGV[3]))
while #item.reports > tonumber(ARGV[8]) do table.remove(item.reports, 1) end
item.count = item.count + 1
local encoded = cjson.encode(item)
redis.call('HSET', rep, id, encoded)
redis.call('ZADD', rz, tonumber(ARGV[10]), id)
while redis.call('ZCARD', rz) > tonumber(ARGV[7]) do
  local oldest = redis.call('ZPOPMIN', rz)
  redis.call('HDEL', rep, oldest[1])
end
redis.call('EXPIRE', rep, ARGV[9])
redis.call('EXPIRE', rz, ARGV[9])
return {1, encoded}
`);

/** The reported messages, most recently reported first. KEYS: hash, zset. */
export const REPORTS = new LuaScript(`
local ids = redis.call('ZREVRANGE', KEYS[2], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[1], id)
  if raw then out[#out + 1] = raw end
end
return out
`);

/** Takes a message off the reports queue: 1 when it was there. KEYS: hash, zset. ARGV: message id. */
export const DISMISS = new LuaScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
`);

/** HDEL one field: 1 when it was there. KEYS: hash. ARGV: field. */
export const DISMISS_FIELD = new LuaScript(`return redis.call('HDEL', KEYS[1], ARGV[1])`);

/** HEXISTS: 1 when the field is there. KEYS: hash. ARGV: field. */
export const FIELD_EXISTS = new LuaScript(`return redis.call('HEXISTS', KEYS[1], ARGV[1])`);
