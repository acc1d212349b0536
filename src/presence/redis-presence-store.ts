import { LuaScript } from "../redis/lua-script.js";
import { withDeadline } from "../util/with-deadline.js";
import type { RedisCommands } from "../redis/redis-clients.js";
import { type PresenceOptions, type PresenceStore, type RoomTotal, defaultPresenceOptions } from "./presence-store.js";

/**
 * One room's presence hash on the room's shard: a field per replica ("count:expiresAtMs") and
 * `_last` ("total:announcedAtMs"). Uses the server's TIME, so replicas' clocks need not agree.
 * KEYS: hash. ARGV: replicaId, count, ttlMs, announceIntervalMs. Returns {total, announce, pending}.
 */
const SYNC = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local count = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
if count > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], count .. ':' .. (now + ttl))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local all = redis.call('HGETALL', KEYS[1])
local total, lastTotal, lastAt = 0, 0, 0
for i = 1, #all, 2 do
  local c, at = string.match(all[i + 1], '^(%d+):(%d+)$')
  if all[i] == '_last' then
    lastTotal, lastAt = tonumber(c), tonumber(at)
  elseif tonumber(at) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    total = total + tonumber(c)
  end
end
local changed = total ~= lastTotal
local announce = changed and now - lastAt >= tonumber(ARGV[4])
if announce then redis.call('HSET', KEYS[1], '_last', total .. ':' .. now) end
redis.call('PEXPIRE', KEYS[1], ttl * 3)
return {total, announce and 1 or 0, (changed and not announce) and 1 or 0}
`);

export interface RedisPresenceOptions extends PresenceOptions {
  /** @default 2000 */
  commandTimeoutMs: number;
  /** @default "chat" */
  keyPrefix: string;
}

/** Cluster-wide viewer counts: one small script call per changed room, on that room's shard. */
export class RedisPresenceStore implements PresenceStore {
  private readonly opts: RedisPresenceOptions;

  constructor(
    private readonly redis: RedisCommands,
    options: Partial<RedisPresenceOptions> = {},
  ) {
    this.opts = { ...defaultPresenceOptions, commandTimeoutMs: 2_000, keyPrefix: "chat", ...options };
  }

  async sync(replicaId: string, counts: ReadonlyMap<string, number>): Promise<Map<string, RoomTotal>> {
    // Concurrent calls: node-redis pipelines them per shard.
    const entries = await Promise.all(
      [...counts].map(async ([room, count]) => {
        const res = (await withDeadline(
          SYNC.run(this.redis, [`${this.opts.keyPrefix}:{${room}}:v`], [replicaId, count, this.opts.ttlMs, this.opts.announceIntervalMs]),
          this.opts.commandTimeoutMs,
          () => new Error("presence sync timed out"),
        )) as [number, number, number];
        const total: RoomTotal = { total: Number(res[0]), announce: Number(res[1]) === 1, pending: Number(res[2]) === 1 };
        return [room, total] as const;
      }),
    );
    return new Map(entries);
  }

  async close(): Promise<void> {
    // The Redis client belongs to the runtime.
  }
}
