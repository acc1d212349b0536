/**
 * The moderation log on Redis: a capped stream per room (`mlog`, in the room's slot), its ids the
 * entries' ids (re-encoded to sort as strings, like message ids), with a TTL renewed by each entry.
 */
import type { ModerationLogEntry } from "../../protocol/index.js";
import { LuaScript, type RedisCommands } from "../../redis/lua-script.js";
import { messageIdToStreamId, streamIdToMessageId } from "../message-id.js";
import { defaultModerationLogOptions, type ModerationLog, type ModerationLogOptions } from "../moderation-log.js";
import { roomKey } from "./room-channel.js";
import { storeCall } from "./store-call.js";

/** XADD with an exact cap and the TTL renewed; returns the id. KEYS: stream. ARGV: JSON, cap, ttl. */
const LOG_APPEND = new LuaScript(`
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', 'e', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return id
`);

/** The newest ARGV[2] entries before ARGV[1] ('+' for the newest), newest first, as {id, json, ...}. */
const LOG_LIST = new LuaScript(`
local out = {}
for _, e in ipairs(redis.call('XREVRANGE', KEYS[1], ARGV[1], '-', 'COUNT', ARGV[2])) do
  out[#out + 1] = e[1]
  out[#out + 1] = e[2][2]
end
return out
`);

export interface RedisModerationLogOptions extends ModerationLogOptions {
  /** @default "chat" (the message store's) */
  keyPrefix: string;
  /** @default 3000 */
  commandTimeoutMs: number;
}

export class RedisModerationLog implements ModerationLog {
  private readonly opts: RedisModerationLogOptions;

  constructor(
    private readonly redis: RedisCommands,
    options: Partial<RedisModerationLogOptions> = {},
  ) {
    this.opts = { ...defaultModerationLogOptions, keyPrefix: "chat", commandTimeoutMs: 3_000, ...options } satisfies RedisModerationLogOptions;
  }

  async append(entry: Omit<ModerationLogEntry, "id">): Promise<ModerationLogEntry> {
    const streamId = String(await this.call(LOG_APPEND, entry.room, [JSON.stringify(entry), this.opts.maxPerRoom, this.opts.ttlSec]));
    return { id: streamIdToMessageId(streamId), ...entry };
  }

  async list(room: string, query: { before?: string; limit: number }): Promise<ModerationLogEntry[]> {
    let from = "+";
    if (query.before !== undefined) {
      const streamId = messageIdToStreamId(query.before);
      if (!streamId) return [];
      from = `(${streamId}`;
    }
    const flat = (await this.call(LOG_LIST, room, [from, query.limit])) as string[];
    const out: ModerationLogEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: streamIdToMessageId(flat[i]!), ...(JSON.parse(flat[i + 1]!) as Omit<ModerationLogEntry, "id">) });
    return out;
  }

  async close(): Promise<void> {
    // The Redis client belongs to whoever created it.
  }

  private call(script: LuaScript, room: string, args: (string | number)[]): Promise<unknown> {
    return storeCall(this.redis, script, [roomKey(this.opts.keyPrefix, room, "mlog")], args, this.opts.commandTimeoutMs);
  }

}
