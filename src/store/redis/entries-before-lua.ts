/** The Redis store's backward page of a room's history: the read under `room:history` and the paging API. */
import { LuaScript } from "../../redis/lua-script.js";
import { LUA_HELPERS } from "./publish-lua.js";

/**
 * The newest ARGV[2] entries strictly older than ARGV[1] (a stream id, or '' for the newest), up to
 * the publish cursor as HISTORY reads (an entry not yet published reaches subscribers live and is
 * no history yet), newest first. One script so the cursor and the read are one step.
 * KEYS: stream, cursor. ARGV: before stream id or '', count.
 */
export const ENTRIES_BEFORE = new LuaScript(`${LUA_HELPERS}
local top = redis.call('GET', KEYS[2]) or '+'
local upper = top
if ARGV[1] ~= '' and (top == '+' or cmp(ARGV[1], top) <= 0) then upper = '(' .. ARGV[1] end
return redis.call('XREVRANGE', KEYS[1], upper, '-', 'COUNT', ARGV[2])
`);
