/** The Redis store's reads and edits of a room's history: published entries, the current notice, a removal. */
import { LuaScript } from "../../redis/lua-script.js";
import { LUA_HELPERS } from "./publish-lua.js";

/**
 * Published entries only (up to the cursor). With a known \`since\`: {1, entries after it}.
 * Otherwise {0, latest entries newest first}. One script, so trimming cannot fall between the
 * check and the read. The stream may hold more than \`count\` entries (it keeps what is not
 * archived yet: trim-lua.ts), so a \`since\` with more than \`count\` entries after it is answered
 * as a fresh start, as when it was trimmed. KEYS: stream, cursor. ARGV: since stream id or '', count.
 */
export const HISTORY = new LuaScript(`${LUA_HELPERS}
local top = redis.call('GET', KEYS[2]) or '+'
if ARGV[1] ~= '' then
  local hit = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
  if #hit > 0 then
    if top ~= '+' and cmp(ARGV[1], top) >= 0 then return {1, {}} end
    local after = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], top, 'COUNT', tonumber(ARGV[2]) + 1)
    if #after <= tonumber(ARGV[2]) then return {1, after} end
  end
end
return {0, redis.call('XREVRANGE', KEYS[1], top, '-', 'COUNT', ARGV[2])}
`);

/** The notice hash as {id, json}, or {}: read with a script so the reply shape is the same in RESP2 and RESP3. */
export const NOTICE = new LuaScript(`
local v = redis.call('HMGET', KEYS[1], 'id', 'm')
if not v[1] then return {} end
return v
`);

/**
 * XDEL the entry; clear the current notice if it was that entry. Returns 1 if deleted.
 * With an archive (ARGV[2] = 1) the deletion is recorded for the write-behind first, so it never
 * needs the database at delete time: an entry past the checkpoint (never archived) is copied
 * whole into the room's deletions hash (the sweeper archives it flagged deleted), an archived one
 * only as {by, at} (the sweeper flags it); the room stays marked until the sweeper applied it.
 * KEYS: stream, notice hash, checkpoint, deletions, count, the slot's unarchived set.
 * ARGV: stream id, archive (0/1), room, deleted by.
 */
export const REMOVE = new LuaScript(`${LUA_HELPERS}
if ARGV[2] == '1' then
  local hit = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
  if #hit > 0 then
    local now = nowMs()
    local cp = redis.call('GET', KEYS[3])
    local record = {by = ARGV[4], at = now}
    if not cp or cmp(ARGV[1], cp) > 0 then
      record.k = field(hit[1][2], 'k') or 'chat'
      record.m = field(hit[1][2], 'm') or '{}'
      if tonumber(redis.call('GET', KEYS[5]) or '0') > 0 then redis.call('DECR', KEYS[5]) end
    end
    redis.call('HSET', KEYS[4], ARGV[1], cjson.encode(record))
    redis.call('ZADD', KEYS[6], 'NX', now, ARGV[3])
  end
end
local n = redis.call('XDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'id') == ARGV[1] then redis.call('DEL', KEYS[2]) end
return n
`);
