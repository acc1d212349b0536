/** The Redis store's room settings (the lasting settings hash): slow mode, the chat modes, open-until, and a join's access read. */
import { LUA_NOW_MS, LuaScript } from "../../redis/lua-script.js";

/**
 * The settings as stored ({slow, sub, fol, uniq, delay}: '' for a mode that is off) and, when
 * KEYS[2] and KEYS[3] are given (the user's ban key, the room's moderators hash; ARGV[1] the user
 * id), the user's ban (-2 not banned, -1 until lifted, else until: what BAN stored) and whether
 * they are an appointed moderator (1/0).
 */
export const ACCESS = new LuaScript(`
local s = redis.call('HMGET', KEYS[1], 'slow', 'sub', 'fol', 'uniq', 'delay')
local ban, appointed = -2, 0
if KEYS[2] then
  local b = redis.call('GET', KEYS[2])
  if b == '0' then ban = -1 elseif b then ban = tonumber(b) end
  appointed = redis.call('HEXISTS', KEYS[3], ARGV[1])
end
return {s[1] or '0', s[2] or '', s[3] or '', s[4] or '', s[5] or '', ban, appointed}
`);

/** Opens the room until now + ARGV[1] s by the server's clock (in the lasting settings hash); returns that. */
export const OPEN = new LuaScript(`${LUA_NOW_MS}
local untilMs = nowMs() + tonumber(ARGV[1]) * 1000
redis.call('HSET', KEYS[1], 'open', untilMs)
return untilMs
`);

/**
 * Changes settings: ARGV is field, value pairs; an empty value removes the field (the mode is off,
 * and a room with none keeps no key). Returns the settings as ACCESS does (without the ban).
 */
export const CONFIGURE = new LuaScript(`
for i = 1, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
local s = redis.call('HMGET', KEYS[1], 'slow', 'sub', 'fol', 'uniq', 'delay')
return {s[1] or '0', s[2] or '', s[3] or '', s[4] or '', s[5] or ''}
`);
