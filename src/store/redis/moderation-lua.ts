/** The Redis store's moderation of users in a room: mutes and bans, timed by the server's clock. */
import { LUA_NOW_MS, LuaScript } from "../../redis/lua-script.js";

/** Sets the mute key with its TTL; returns when it ends, by the server's clock. */
export const MUTE = new LuaScript(`${LUA_NOW_MS}
local now = nowMs()
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return now + tonumber(ARGV[1]) * 1000
`);

/**
 * Sets the ban key to when the ban ends ('0': until lifted), with that TTL when timed; returns the
 * end by the server's clock, or -1.
 */
export const BAN = new LuaScript(`${LUA_NOW_MS}
if ARGV[1] == '' then
  redis.call('SET', KEYS[1], '0')
  return -1
end
local untilMs = nowMs() + tonumber(ARGV[1]) * 1000
redis.call('SET', KEYS[1], tostring(untilMs), 'PX', tonumber(ARGV[1]) * 1000)
return untilMs
`);

/** Deletes the ban key: 1 when there was one. */
export const UNBAN = new LuaScript(`return redis.call('DEL', KEYS[1])`);
