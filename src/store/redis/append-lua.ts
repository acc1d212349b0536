/** The Redis store's append: every check and the XADD (or the hold) of a batch of drafts in one script on the room's master. */
import { LuaScript } from "../../redis/lua-script.js";
import { LUA_HELPERS } from "./publish-lua.js";
import { TRIM_HELPERS } from "./trim-lua.js";

/**
 * Per draft: dedup check (a key stored with another fingerprint is a conflict; a key that names a
 * held message answers it held, or denied); unless exempt: open room, ban, mute (not for notices);
 * unless exempt or a moderator's: subscribers-only, followers-only (and its minimum follow age),
 * slow mode, unique chat. Then a draft for review, or any non-exempt, non-moderator draft while the
 * room has a delay, is held (`hq` record, `hz` due time for a delay, the dedup key names it);
 * anything else is XADDed. A stored or held draft starts its author's slow-mode interval and takes
 * its unique-chat key. With an archive (ARGV[13] = 1) the room is marked for the write-behind in
 * the same step (trim-lua.ts `markAdded`). Then, when the shard needs no replica's confirmation
 * (ARGV[4] = 1), publishes right away; otherwise the caller publishes with PUBLISH once WAIT
 * confirmed the write. Last, the stream is trimmed, never past what is unpublished or unarchived.
 *
 * KEYS: stream, notice hash, publish cursor, settings hash, held records, held due times, held
 * sequence, archive checkpoint, archive count, the slot's unarchived set, then per draft: dedup
 * key, author's mute, ban and pace keys, unique-chat key.
 * ARGV: maxlen, history ttl, dedup ttl, publish now (0/1), channel, publish cap, room, n, pace ttl
 * (ms), require open (0/1), held per room, unique window (ms), archive (0/1), then per draft: kind, body JSON,
 * sender socket id, exempt (0/1), fingerprint, moderator (0/1), claims ('' anonymous, else
 * '<subscriber 0/1>|<followedAt ms or -1>'), unique (0/1), review term ('' none).
 * Returns per draft {0, id} stored, {1, id} duplicate, {2, ms} muted, {3, ms or -1} banned (-1:
 * until lifted), {4, ms} slow mode, {5} conflict, {6} closed, {7, held id, releaseAt or 0, now}
 * held, {8} denied, {9, reason, ms} a chat mode refused it, {10} unique chat, {11} queue full,
 * {12, held id, releaseAt or 0, now} held before (duplicate).
 */
export const APPEND = new LuaScript(`${LUA_HELPERS}${TRIM_HELPERS}
local stream, notice, cursor, settings, hq, hz, hs = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local checkpoint, count, unarchived, archiving = KEYS[8], KEYS[9], KEYS[10], ARGV[13] == '1'
local ttl, n, paceTtl = tonumber(ARGV[2]), tonumber(ARGV[8]), ARGV[9]
local heldCap, uniqueMs = tonumber(ARGV[11]), ARGV[12]
local s = redis.call('HMGET', settings, 'slow', 'open', 'sub', 'fol', 'uniq', 'delay')
local slow = tonumber(s[1] or '0') * 1000
local subOnly, followSec, unique, delay = s[3] == '1', tonumber(s[4] or ''), s[5] == '1', tonumber(s[6] or '0')
local now = nowMs()
local closed = ARGV[10] == '1' and tonumber(s[2] or '0') < now
local out, first, last, added = {}, nil, nil, 0
-- A room's first append starts its publish cursor just before itself, so a publish of a later
-- entry (another replica's, confirmed first) also carries this one.
if redis.call('EXISTS', cursor) == 0 then
  local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  local start = '0-0'
  if #top > 0 then start = top[1][1] end
  redis.call('SET', cursor, start, 'EX', ttl)
end
local function heldAnswer(code, hid)
  local due = redis.call('ZSCORE', hz, hid)
  return {code, hid, tostring(due or 0), tostring(now)}
end
for i = 1, n do
  local k, a = 10 + 5 * (i - 1), 13 + 9 * (i - 1)
  local dedup, mute, ban, pace, uq = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 5]
  local kind, body, sender, exempt, fp = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4] == '1', ARGV[a + 5]
  local moderator, claims, checkUnique, review = ARGV[a + 6] == '1', ARGV[a + 7], ARGV[a + 8] == '1', ARGV[a + 9]
  local relaxed = exempt or moderator
  local id = nil
  local seen = redis.call('GET', dedup)
  if seen then
    local sid, sfp = string.match(seen, '^([^|]+)|?(.*)$')
    if sfp ~= fp then
      out[i] = {5}
    elseif string.sub(sid, 1, 5) == 'held:' then
      out[i] = heldAnswer(12, string.sub(sid, 6))
    elseif sid == 'denied' then
      out[i] = {8}
    else
      id = sid
      out[i] = {1, id}
    end
  else
    local refusal = nil
    if not exempt and closed then refusal = {6} end
    if not exempt and not refusal then
      local banned = redis.call('PTTL', ban)
      if banned ~= -2 then refusal = {3, tostring(banned)} end
      if not refusal and kind ~= 'notice' then
        local left = redis.call('PTTL', mute)
        if left > 0 then refusal = {2, tostring(left)} end
      end
    end
    if not relaxed and not refusal and (subOnly or followSec) then
      local sub, followed = string.match(claims, '^(%d)|(-?%d+)$')
      followed = tonumber(followed or '-1')
      if claims == '' then refusal = {9, 'sign_in_required', '0'}
      elseif subOnly and sub ~= '1' then refusal = {9, 'subscribers_only', '0'}
      elseif followSec and followed < 0 then refusal = {9, 'followers_only', '0'}
      elseif followSec and now - followed < followSec * 1000 then refusal = {9, 'follow_too_recent', tostring(followed + followSec * 1000 - now)}
      end
    end
    if not relaxed and not refusal and slow > 0 then
      local at = tonumber(redis.call('GET', pace) or '')
      if at and now - at < slow then refusal = {4, tostring(at + slow - now)} end
    end
    if not relaxed and not refusal and unique and checkUnique and redis.call('EXISTS', uq) == 1 then refusal = {10} end
    local hold = review ~= '' or (delay > 0 and not relaxed)
    if not refusal and hold and redis.call('HLEN', hq) >= heldCap then refusal = {11} end
    if refusal then
      out[i] = refusal
    else
      if hold then
        local hid = 'h' .. redis.call('INCR', hs)
        local due = 0
        local reason = 'delay'
        if review ~= '' then reason = 'review' else due = now + delay * 1000 end
        redis.call('HSET', hq, hid, cjson.encode({k = kind, m = body, s = sender, f = fp, d = dedup, b = ban, u = mute, r = reason, t = review, at = due, ts = now}))
        if due > 0 then redis.call('ZADD', hz, due, hid) end
        for _, key in ipairs({hq, hz, hs}) do redis.call('EXPIRE', key, ttl) end
        -- A review can outlast the dedup window: its key lives as long as the record.
        local keep = tonumber(ARGV[3])
        if reason == 'review' then keep = ttl end
        redis.call('SET', dedup, 'held:' .. hid .. '|' .. fp, 'EX', keep)
        out[i] = {7, hid, tostring(due), tostring(now)}
      else
        id = redis.call('XADD', stream, '*', 'k', kind, 'm', body, 's', sender)
        local mark = id
        if fp ~= '' then mark = id .. '|' .. fp end
        redis.call('SET', dedup, mark, 'EX', ARGV[3])
        out[i] = {0, id}
        added = added + 1
      end
      if slow > 0 and not relaxed then redis.call('SET', pace, tostring(now), 'PX', paceTtl) end
      if unique and checkUnique and not relaxed then redis.call('SET', uq, '1', 'PX', uniqueMs) end
    end
  end
  if id then
    if not first or cmp(id, first) < 0 then first = id end
    if not last or cmp(id, last) > 0 then last = id end
  end
end
if added > 0 then markAdded(stream, checkpoint, count, unarchived, ARGV[7], added, now, ttl, archiving) end
if ARGV[4] == '1' and last then publish(stream, notice, cursor, ARGV[5], ARGV[7], first, last, ttl, tonumber(ARGV[6])) end
if added > 0 then trimHistory(stream, cursor, checkpoint, tonumber(ARGV[1]), archiving) end
return out
`);
