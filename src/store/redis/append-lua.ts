/** The Redis store's append: every check and the XADD of a batch of drafts in one script on the room's master. */
import { LuaScript } from "../../redis/lua-script.js";
import { LUA_HELPERS } from "./publish-lua.js";

/**
 * Per draft: dedup check (a key stored with another fingerprint is a conflict); unless exempt, ban,
 * mute (not for notices) and slow-mode checks; XADD; in slow mode and unless exempt, the author's
 * pace mark (the time of this message, read by the next one's slow-mode check; rooms without slow
 * mode write none). Then, when the shard needs no
 * replica's confirmation (ARGV[4] = 1), publishes right away; otherwise the caller publishes with
 * PUBLISH once WAIT confirmed the write.
 * KEYS: stream, notice hash, publish cursor, settings hash, then per draft: dedup key, author's
 * mute, ban and pace keys.
 * ARGV: maxlen, history ttl, dedup ttl, publish now (0/1), channel, publish cap, room, n, pace ttl
 * (ms), require open (0/1), then per draft: kind, body JSON, sender socket id, exempt (0/1),
 * fingerprint.
 * Returns per draft {0, id} stored, {1, id} duplicate, {2, ms} muted, {3, ms or -1} banned (-1:
 * until lifted), {4, ms} slow mode, {5, ''} conflict, {6, ''} closed (not opened).
 */
export const APPEND = new LuaScript(`${LUA_HELPERS}
local stream, notice, cursor = KEYS[1], KEYS[2], KEYS[3]
local ttl, n, paceTtl = tonumber(ARGV[2]), tonumber(ARGV[8]), ARGV[9]
local slow = tonumber(redis.call('HGET', KEYS[4], 'slow') or '0') * 1000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local closed = ARGV[10] == '1' and tonumber(redis.call('HGET', KEYS[4], 'open') or '0') < now
local out, first, last, added = {}, nil, nil, false
-- A room's first append starts its publish cursor just before itself, so a publish of a later
-- entry (another replica's, confirmed first) also carries this one.
if redis.call('EXISTS', cursor) == 0 then
  local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  local start = '0-0'
  if #top > 0 then start = top[1][1] end
  redis.call('SET', cursor, start, 'EX', ttl)
end
for i = 1, n do
  local k, a = 4 * i, 5 + 5 * i
  local dedup, mute, ban, pace = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  local kind, body, sender, exempt, fp = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4] == '1', ARGV[a + 5]
  local id = nil
  local seen = redis.call('GET', dedup)
  if seen then
    local sid, sfp = string.match(seen, '^([^|]+)|?(.*)$')
    if sfp == fp then
      id = sid
      out[i] = {1, id}
    else
      out[i] = {5, ''}
    end
  else
    local refusal = nil
    if not exempt and closed then refusal = {6, ''} end
    if not exempt and not refusal then
      local banned = redis.call('PTTL', ban)
      if banned ~= -2 then refusal = {3, tostring(banned)} end
      if not refusal and kind ~= 'notice' then
        local left = redis.call('PTTL', mute)
        if left > 0 then refusal = {2, tostring(left)} end
      end
      if not refusal and slow > 0 then
        local at = tonumber(redis.call('GET', pace) or '')
        if at and now - at < slow then refusal = {4, tostring(at + slow - now)} end
      end
    end
    if refusal then
      out[i] = refusal
    else
      id = redis.call('XADD', stream, 'MAXLEN', ARGV[1], '*', 'k', kind, 'm', body, 's', sender)
      local mark = id
      if fp ~= '' then mark = id .. '|' .. fp end
      redis.call('SET', dedup, mark, 'EX', ARGV[3])
      if slow > 0 and not exempt then redis.call('SET', pace, tostring(now), 'PX', paceTtl) end
      out[i] = {0, id}
      added = true
    end
  end
  if id then
    if not first or cmp(id, first) < 0 then first = id end
    if not last or cmp(id, last) > 0 then last = id end
  end
end
if added then redis.call('EXPIRE', stream, ttl) end
if ARGV[4] == '1' and last then publish(stream, notice, cursor, ARGV[5], ARGV[7], first, last, ttl, tonumber(ARGV[6])) end
return out
`);
