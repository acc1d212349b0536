/**
 * The Redis store's review queue: held messages (APPEND holds them: append-lua.ts) released,
 * approved or denied in one script on the room's master, and the moderation notices published on
 * the room's channel.
 *
 * A held record (`hq` hash, by held id) is the draft as APPEND had it: `k` kind, `m` body, `s`
 * sender, `f` fingerprint, `d` its dedup key, `b` and `u` its author's ban and mute keys, `r`
 * reason, `t` term, `at` due time (0: waits for review), `ts` when held. The key names are the
 * room's own (one hash tag), so the scripts touch only the room's slot.
 */
import { LuaScript } from "../../redis/lua-script.js";
import { LUA_HELPERS } from "./publish-lua.js";
import { TRIM_HELPERS } from "./trim-lua.js";

/**
 * Releases held messages: with ARGV[1] = 'due', those whose due time passed (by the server's
 * clock, oldest due first, at most ARGV[10]); with 'one', the held id ARGV[2]. Each is taken off
 * the queue; if its author is banned (or muted) now it is dropped (its dedup key goes, so a retry
 * is checked afresh), else XADDed now (its id is the history's order) and its dedup key names the
 * id. Marks, publishes and trims like APPEND (ARGV[6] = 1: publish now; ARGV[11] = 1: archive).
 * KEYS: stream, notice hash, cursor, held records, held due times, archive checkpoint, archive
 * count, the slot's unarchived set.
 * ARGV: mode, held id, maxlen, history ttl, dedup ttl, publish now, channel, room, publish cap, max, archive.
 * Returns {now, next due or '', {held id, 'stored', id, record} | {held id, 'dropped', why, record}, ...}.
 */
export const RELEASE = new LuaScript(`${LUA_HELPERS}${TRIM_HELPERS}
local stream, notice, cursor, hq, hz = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local checkpoint, count, unarchived, archiving = KEYS[6], KEYS[7], KEYS[8], ARGV[11] == '1'
local ttl = tonumber(ARGV[4])
local now = nowMs()
local ids = {ARGV[2]}
if ARGV[1] == 'due' then ids = redis.call('ZRANGEBYSCORE', hz, '-inf', now, 'LIMIT', 0, tonumber(ARGV[10])) end
local out, first, last, added = {}, nil, nil, 0
-- As APPEND: a room's first entry starts the publish cursor just before itself.
if #ids > 0 and redis.call('EXISTS', cursor) == 0 then
  local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  local start = '0-0'
  if #top > 0 then start = top[1][1] end
  redis.call('SET', cursor, start, 'EX', ttl)
end
for _, hid in ipairs(ids) do
  local raw = redis.call('HGET', hq, hid)
  if raw then
    redis.call('HDEL', hq, hid)
    redis.call('ZREM', hz, hid)
    local r = cjson.decode(raw)
    local why = nil
    if redis.call('PTTL', r.b) ~= -2 then why = 'banned'
    elseif r.k ~= 'notice' and redis.call('PTTL', r.u) > 0 then why = 'muted' end
    if why then
      redis.call('DEL', r.d)
      out[#out + 1] = {hid, 'dropped', why, raw}
    else
      local id = redis.call('XADD', stream, '*', 'k', r.k, 'm', r.m, 's', r.s)
      local mark = id
      if r.f ~= '' then mark = id .. '|' .. r.f end
      redis.call('SET', r.d, mark, 'EX', ARGV[5])
      out[#out + 1] = {hid, 'stored', id, raw}
      if not first then first = id end
      last = id
      added = added + 1
    end
  end
end
if last then
  markAdded(stream, checkpoint, count, unarchived, ARGV[8], added, now, ttl, archiving)
  if ARGV[6] == '1' then publish(stream, notice, cursor, ARGV[7], ARGV[8], first, last, ttl, tonumber(ARGV[9])) end
  trimHistory(stream, cursor, checkpoint, tonumber(ARGV[3]), archiving)
end
local nxt = redis.call('ZRANGE', hz, 0, 0, 'WITHSCORES')
local result = {tostring(now), nxt[2] or ''}
for _, item in ipairs(out) do result[#result + 1] = item end
return result
`);

/**
 * Denies a held message: off the queue, its dedup key says `denied` (a retry with its clientId is
 * refused, not held again). KEYS: held records, held due times. ARGV: held id, dedup ttl.
 * Returns the record, or nil when it is no longer held.
 */
export const DENY = new LuaScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return nil end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local r = cjson.decode(raw)
redis.call('SET', r.d, 'denied|' .. r.f, 'EX', ARGV[2])
return raw
`);

/** The held records as {id, record, ...} (a script: the reply shape is the same in RESP2 and RESP3). */
export const HELD = new LuaScript(`return redis.call('HGETALL', KEYS[1])`);

/** SPUBLISHes a notices payload on the room's channel; KEYS[1] is any key of the room (routing). ARGV: channel, payload. */
export const ANNOUNCE = new LuaScript(`return redis.call('SPUBLISH', ARGV[1], ARGV[2])`);

/** One stream entry {id, fields} by id, or {}. KEYS: stream. ARGV: stream id. */
export const ENTRY = new LuaScript(`
local hit = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #hit == 0 then return {} end
return hit[1]
`);
