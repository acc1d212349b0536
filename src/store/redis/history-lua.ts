/** The Redis store's reads and edits of a room's history: published entries, the current notice, a removal. */
import { LuaScript } from "../../redis/lua-script.js";
import { LUA_HELPERS } from "./publish-lua.js";

/**
 * Published entries only (up to the cursor). With a known \`since\`: {1, entries after it}.
 * Otherwise {0, latest entries newest first}. One script, so trimming cannot fall between the
 * check and the read. KEYS: stream, cursor. ARGV: since stream id or '', count.
 */
export const HISTORY = new LuaScript(`${LUA_HELPERS}
local top = redis.call('GET', KEYS[2]) or '+'
if ARGV[1] ~= '' then
  local hit = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
  if #hit > 0 then
    if top ~= '+' and cmp(ARGV[1], top) >= 0 then return {1, {}} end
    return {1, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], top, 'COUNT', ARGV[2])}
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

/** XDEL the entry; clear the current notice if it was that entry. Returns 1 if deleted. */
export const REMOVE = new LuaScript(`
local n = redis.call('XDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'id') == ARGV[1] then redis.call('DEL', KEYS[2]) end
return n
`);
