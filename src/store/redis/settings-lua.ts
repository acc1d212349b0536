/** The Redis store's room settings (the lasting settings hash): slow mode, open-until, and a join's access read. */
import { LuaScript } from "../../redis/lua-script.js";

/**
 * The slow-mode interval and, when KEYS[2] is given, the user's ban: {slow, -2} not banned,
 * {slow, -1} until lifted, {slow, until} timed (what BAN stored).
 */
export const ACCESS = new LuaScript(`
local slow = tonumber(redis.call('HGET', KEYS[1], 'slow') or '0')
if not KEYS[2] then return {slow, -2} end
local ban = redis.call('GET', KEYS[2])
if not ban then return {slow, -2} end
if ban == '0' then return {slow, -1} end
return {slow, tonumber(ban)}
`);

/** Opens the room until now + ARGV[1] s by the server's clock (in the lasting settings hash); returns that. */
export const OPEN = new LuaScript(`
local t = redis.call('TIME')
local untilMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1]) * 1000
redis.call('HSET', KEYS[1], 'open', untilMs)
return untilMs
`);

/** Sets the settings hash; a setting at its default is removed (no key for a room with none). */
export const CONFIGURE = new LuaScript(`
if ARGV[1] == '0' then redis.call('HDEL', KEYS[1], 'slow') else redis.call('HSET', KEYS[1], 'slow', ARGV[1]) end
return 1
`);
