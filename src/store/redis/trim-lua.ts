/**
 * How a room's stream is trimmed and kept alive, shared by every script that adds entries (APPEND,
 * RELEASE), publishes them (PUBLISH) or archives them (SWEEP_ADVANCE). Appended after LUA_HELPERS
 * (it uses `cmp`).
 *
 * A stream keeps at most `maxlen` entries, **but never drops one that is not published yet** (a
 * burst larger than the history before a WAIT-mode publish would lose live messages) **nor, with
 * an archive, one that is not archived yet** (past the room's checkpoint). So the trim is a
 * `XTRIM MINID` to just past the newest entry that is both among the oldest `XLEN - maxlen` and at
 * or before min(publish cursor, checkpoint); no cursor (or, archiving, no checkpoint) trims nothing.
 * Readers (HISTORY) still read at most `maxlen`.
 *
 * While a room has unarchived entries its stream, checkpoint and count have no TTL (PERSIST):
 * `volatile-lru` evicts only keys with one, and an expiry would lose them. The sweeper sets the
 * TTL again once the room is caught up (archive-lua.ts).
 */
export const TRIM_HELPERS = `
local function nextStreamId(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return ms .. '-' .. (tonumber(seq) + 1)
end

local function trimHistory(stream, cursor, checkpoint, maxlen, archiving)
  local excess = redis.call('XLEN', stream) - maxlen
  if excess <= 0 then return 0 end
  local bound = redis.call('GET', cursor)
  if not bound then return 0 end
  if archiving then
    local a = redis.call('GET', checkpoint)
    if not a then return 0 end
    if cmp(a, bound) < 0 then bound = a end
  end
  -- Bounded work per call: a long backlog released at once is trimmed over the next calls.
  if excess > 1000 then excess = 1000 end
  local old = redis.call('XRANGE', stream, '-', bound, 'COUNT', excess)
  if #old == 0 then return 0 end
  return redis.call('XTRIM', stream, 'MINID', nextStreamId(old[#old][1]))
end

local function markAdded(stream, checkpoint, count, unarchived, room, added, now, ttl, archiving)
  if archiving then
    redis.call('INCRBY', count, added)
    redis.call('ZADD', unarchived, 'NX', now, room)
    redis.call('PERSIST', stream)
    redis.call('PERSIST', checkpoint)
    redis.call('PERSIST', count)
  else
    redis.call('EXPIRE', stream, ttl)
  end
end
`;
