/**
 * The publish step: Lua shared by the store's scripts (`LUA_HELPERS`, run inside APPEND when no
 * replica must confirm first), and the PUBLISH script that runs it on its own after WAIT.
 *
 * `publish` sends the room's stream entries after the publish cursor up to `upto` (a durable id)
 * on the room's sharded channel, oldest first, and moves the cursor. It runs on the room's master,
 * atomically with whatever else the calling script does, so:
 * - every subscriber of every replica receives a room's entries in one order, the stream's,
 *   whichever replica stored them (no cross-replica reordering: `prev` names what came before);
 * - each entry is published once (the cursor), and only once durable: a caller publishes up to an
 *   id only after WAIT confirmed it, which confirms everything stored before it on that master;
 * - an entry that was stored but not published (its writer crashed after the WAIT) goes out with
 *   the room's next publish, which starts from the cursor.
 * It also makes the newest published notice the room's current notice.
 *
 * Payload: `!{"r":room,"e":[[id, prev, sender, kind, body], ...]}` (decoded by
 * entries-payload.ts). Ids are stream ids, kinds and bodies are our own JSON, the sender
 * is JSON-encoded: nothing here needs escaping. A backlog longer than `cap` publishes its newest
 * `cap` entries; subscribers see the jump in `prev` and refill from history.
 */
import { LUA_NOW_MS, LuaScript } from "../../redis/lua-script.js";
import { TRIM_HELPERS } from "./trim-lua.js";

export const LUA_HELPERS = `${LUA_NOW_MS}
local function cmp(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  if am ~= bm then if am < bm then return -1 else return 1 end end
  if as ~= bs then if as < bs then return -1 else return 1 end end
  return 0
end

local function field(f, name)
  for i = 1, #f, 2 do if f[i] == name then return f[i + 1] end end
  return nil
end

local function publish(stream, notice, cursor, channel, room, from, upto, ttl, cap)
  local c = redis.call('GET', cursor)
  local start = from
  if c then
    if cmp(c, upto) >= 0 then return 0 end
    start = '(' .. c
  end
  local entries = redis.call('XRANGE', stream, start, upto)
  if #entries == 0 then return 0 end
  local first = 1
  if #entries > cap then first = #entries - cap + 1 end
  local prev = ''
  local before = redis.call('XREVRANGE', stream, '(' .. entries[first][1], '-', 'COUNT', 1)
  if #before > 0 then prev = before[1][1] end
  local parts, current = {}, nil
  for i = first, #entries do
    local id, f = entries[i][1], entries[i][2]
    local kind, body = field(f, 'k') or 'chat', field(f, 'm') or '{}'
    parts[#parts + 1] = '["' .. id .. '","' .. prev .. '",' .. cjson.encode(field(f, 's') or '') .. ',"' .. kind .. '",' .. body .. ']'
    if kind == 'notice' then current = {id, body} end
    prev = id
  end
  if current then
    redis.call('HSET', notice, 'id', current[1], 'm', current[2])
    redis.call('EXPIRE', notice, ttl)
  end
  redis.call('SET', cursor, entries[#entries][1], 'EX', ttl)
  return redis.call('SPUBLISH', channel, '!{"r":' .. cjson.encode(room) .. ',"e":[' .. table.concat(parts, ',') .. ']}')
end
`;

/**
 * Publishes what is stored up to an id that is now durable (everything before it on the same
 * master is too: replication is one ordered stream), then trims what the publish let go of (see
 * trim-lua.ts: APPEND in WAIT mode cannot trim entries it has not published yet).
 * KEYS: stream, notice hash, cursor, archive checkpoint.
 * ARGV: channel, room, from, upto, history ttl, publish cap, maxlen, archive (0/1).
 */
export const PUBLISH = new LuaScript(`${LUA_HELPERS}${TRIM_HELPERS}
local n = publish(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]))
trimHistory(KEYS[1], KEYS[3], KEYS[4], tonumber(ARGV[7]), ARGV[8] == '1')
return n
`);
