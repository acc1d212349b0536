/**
 * The write-behind's scripts (docs/archive-design.md): a sweeper finds the rooms of its shard with
 * unarchived entries (SWEEP_SCAN), reads a room's entries past its checkpoint (SWEEP_READ), and
 * once the archive took them moves the checkpoint (SWEEP_ADVANCE); LEASE and LEASE_END keep one
 * sweeper per shard. Marks are written by APPEND, RELEASE and REMOVE themselves (same slot, same
 * step as the entry), so nothing acked is ever unmarked.
 */
import { LuaScript } from "../../redis/lua-script.js";
import { LUA_HELPERS } from "./publish-lua.js";
import { TRIM_HELPERS } from "./trim-lua.js";

/**
 * Run on one master with no keys (`allow-cross-slot-keys`: the sets of many slots of that node).
 * ARGV: limit, key prefix, head and tail of a room's count key, then the tags of the shard's slots.
 * A slot this node no longer serves (a resharding the caller has not seen yet) is skipped.
 * Returns {marked rooms, backlog (sum of their counts), room, score, room, score, ...}: the `limit`
 * rooms with the oldest marks, oldest first.
 */
export const SWEEP_SCAN = new LuaScript(`#!lua flags=allow-cross-slot-keys,no-writes
local limit, prefix, head, tail = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local found, rooms, backlog = {}, 0, 0
for i = 5, #ARGV do
  local key = prefix .. ':{' .. ARGV[i] .. '}:unarchived'
  local n = redis.pcall('ZCARD', key)
  if type(n) == 'number' and n > 0 then
    rooms = rooms + n
    local all = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    for j = 1, #all, 2 do
      backlog = backlog + tonumber(redis.call('GET', head .. all[j] .. tail) or '0')
      if j <= 2 * limit then found[#found + 1] = {all[j], tonumber(all[j + 1])} end
    end
  end
end
table.sort(found, function(a, b) return a[2] < b[2] end)
local out = {rooms, backlog}
for j = 1, math.min(limit, #found) do
  out[#out + 1] = found[j][1]
  out[#out + 1] = string.format('%d', found[j][2])
end
return out
`);

/** A room's read for the sweeper (SWEEP_READ, SWEEP_READ_MANY). Needs LUA_HELPERS. */
const READ_ROOM = `
local function readRoom(stream, cursor, checkpoint, pending, count)
  local cp = redis.call('GET', checkpoint) or ''
  local top = redis.call('GET', cursor) or '+'
  local entries = {}
  if top == '+' or cp == '' or cmp(top, cp) > 0 then
    local start = '-'
    if cp ~= '' then start = '(' .. cp end
    entries = redis.call('XRANGE', stream, start, top, 'COUNT', count)
  end
  local unpublished = ''
  if top ~= '+' then
    local after = redis.call('XRANGE', stream, '(' .. top, '+', 'COUNT', 1)
    if #after > 0 then unpublished = after[1][1] end
  end
  return {cp, entries, redis.call('HGETALL', pending), unpublished}
end
`;

/**
 * A room's published entries past its checkpoint (at most ARGV[1]), its pending deletions, and the
 * id of its oldest entry not published yet ('' for none: a writer that died between its WAIT and
 * its publish leaves one until the room's next publish, see RedisMessageStore.publishStranded).
 * KEYS: stream, publish cursor, checkpoint, deletions. Returns {checkpoint or '', entries, {id, json, ...}, unpublished id or ''}.
 */
export const SWEEP_READ = new LuaScript(`${LUA_HELPERS}${READ_ROOM}
return readRoom(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1])
`);

/**
 * SWEEP_READ for many rooms of one node in one call (a sweep reads up to 100 rooms per shard every
 * 200 ms: one script per room was most of the write-behind's Redis and client work). Run on the
 * node with no keys (`allow-cross-slot-keys`); a room's keys are `head .. room .. mid .. suffix`.
 * ARGV: count, head, mid, rooms... Returns per room {1, SWEEP_READ's reply}, or {0} when the room's
 * slot is not on this node (the caller reads it alone).
 */
export const SWEEP_READ_MANY = new LuaScript(`#!lua flags=allow-cross-slot-keys,no-writes
${LUA_HELPERS}${READ_ROOM}
local count, head, mid = ARGV[1], ARGV[2], ARGV[3]
local out = {}
for i = 4, #ARGV do
  local base = head .. ARGV[i] .. mid
  local probe = redis.pcall('EXISTS', base .. 'h')
  if type(probe) == 'table' then
    out[#out + 1] = {0}
  else
    out[#out + 1] = {1, readRoom(base .. 'h', base .. 'p', base .. 'a', base .. 'd', count)}
  end
end
return out
`);

/** The stream's newest id, or ''. KEYS: stream. */
export const LAST_ID = new LuaScript(`
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #top == 0 then return '' end
return top[1][1]
`);

/** A room's advance for the sweeper (SWEEP_ADVANCE, SWEEP_ADVANCE_MANY). Needs LUA_HELPERS and TRIM_HELPERS. */
const ADVANCE_ROOM = `
local function advanceRoom(stream, cursor, checkpoint, count, pending, set, room, target, maxlen, ttl, deletions)
  local cp = redis.call('GET', checkpoint)
  local moved = 0
  if target ~= '' and (not cp or cmp(target, cp) > 0) then
    local start = '-'
    if cp then start = '(' .. cp end
    moved = #redis.call('XRANGE', stream, start, target)
    local left = tonumber(redis.call('GET', count) or '0') - moved
    if left < 0 then left = 0 end
    redis.call('SET', count, left)
    redis.call('SET', checkpoint, target)
    cp = target
  end
  for _, id in ipairs(deletions) do redis.call('HDEL', pending, id) end
  trimHistory(stream, cursor, checkpoint, maxlen, true)
  local start = '-'
  if cp then start = '(' .. cp end
  local nxt = redis.call('XRANGE', stream, start, '+', 'COUNT', 1)
  if #nxt > 0 or redis.call('HLEN', pending) > 0 then
    local score
    if #nxt > 0 then
      score = string.match(nxt[1][1], '^(%d+)-')
    else
      score = tostring(nowMs())
    end
    redis.call('ZADD', set, score, room)
    return {moved, 1}
  end
  redis.call('ZREM', set, room)
  if redis.call('EXISTS', stream) == 1 then redis.call('EXPIRE', stream, ttl) end
  if cp then redis.call('EXPIRE', checkpoint, ttl) end
  redis.call('DEL', count)
  return {moved, 0}
end
`;

/**
 * After the archive took a room's entries up to ARGV[2] (or '' for none) and the deletions named
 * in ARGV[5..]: moves the checkpoint forward (never back: two sweepers at once are harmless),
 * lowers the backlog count by the entries it passed, forgets those deletions, trims, and then
 * either rescores the room's mark (something newer is left: its oldest entry's time) or, caught
 * up, removes the mark and gives the room's keys their TTL again.
 * KEYS: stream, cursor, checkpoint, count, deletions, unarchived set.
 * ARGV: room, new checkpoint, maxlen, history ttl, deletion ids...
 * Returns {entries the checkpoint passed, 1 still marked / 0 caught up}.
 */
export const SWEEP_ADVANCE = new LuaScript(`${LUA_HELPERS}${TRIM_HELPERS}${ADVANCE_ROOM}
local deletions = {}
for i = 5, #ARGV do deletions[#deletions + 1] = ARGV[i] end
return advanceRoom(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], deletions)
`);

/**
 * SWEEP_ADVANCE for many rooms of one node in one call (as SWEEP_READ_MANY). ARGV: maxlen, ttl,
 * head, mid, then per room: room, new checkpoint or '', its slot's unarchived set, n, n deletion ids.
 * Returns per room SWEEP_ADVANCE's reply, or {-1, -1} when its slot is not on this node.
 */
export const SWEEP_ADVANCE_MANY = new LuaScript(`#!lua flags=allow-cross-slot-keys
${LUA_HELPERS}${TRIM_HELPERS}${ADVANCE_ROOM}
local maxlen, ttl, head, mid = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local out, i = {}, 5
while i <= #ARGV do
  local room, target, set, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local deletions = {}
  for j = 1, n do deletions[j] = ARGV[i + 3 + j] end
  i = i + 4 + n
  local base = head .. room .. mid
  local probe = redis.pcall('EXISTS', base .. 'h')
  if type(probe) == 'table' then
    out[#out + 1] = {-1, -1}
  else
    out[#out + 1] = advanceRoom(base .. 'h', base .. 'p', base .. 'a', base .. 'u', base .. 'd', set, room, target, maxlen, ttl, deletions)
  end
end
return out
`);

/** Takes or renews a lease: KEYS: lease. ARGV: owner, ms. Returns 1 when `owner` holds it now. */
export const LEASE = new LuaScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** Gives a lease up if `owner` holds it (a clean shutdown: another replica takes over at once). KEYS: lease. ARGV: owner. */
export const LEASE_END = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** A room's checkpoint (stream id) or ''. KEYS: checkpoint. */
export const CHECKPOINT = new LuaScript(`return redis.call('GET', KEYS[1]) or ''`);
