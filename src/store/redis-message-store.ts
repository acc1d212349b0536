import type { User } from "../protocol/index.js";
import { LuaScript, withDeadline } from "../redis/lua-script.js";
import type { RedisCommands } from "../redis/redis-clients.js";
import { messageIdToStreamId, streamIdToMessageId } from "./message-id.js";
import {
  type AppendResult,
  type HistoryResult,
  type MessageDraft,
  type MessageStore,
  type MessageStoreOptions,
  type StoredKind,
  type StoredMessage,
  StoreUnavailableError,
  defaultMessageStoreOptions,
} from "./message-store.js";

/**
 * Dedup, mute check, append and (for a notice) set the current notice, atomically on the room's
 * shard. KEYS: stream, notice hash, dedup key, author's mute key. ARGV: maxlen, entry JSON,
 * history ttl, dedup ttl, kind. Returns {0 new, stream id, previous entry id or ''},
 * {1 duplicate, first stream id} or {2 muted, ms left}.
 */
const APPEND = new LuaScript(`
local seen = redis.call('GET', KEYS[3])
if seen then return {1, seen} end
if ARGV[5] ~= 'notice' then
  local left = redis.call('PTTL', KEYS[4])
  if left > 0 then return {2, tostring(left)} end
end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = ''
if #last > 0 then prev = last[1][1] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'm', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[3], id, 'EX', ARGV[4])
if ARGV[5] == 'notice' then
  redis.call('HSET', KEYS[2], 'id', id, 'm', ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return {0, id, prev}
`);

/**
 * With a known \`since\`: {1, entries after it}. Otherwise {0, latest entries newest first}.
 * One script, so trimming cannot fall between the check and the read.
 */
const HISTORY = new LuaScript(`
if ARGV[1] ~= '' then
  local hit = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
  if #hit > 0 then return {1, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+')} end
end
return {0, redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[2])}
`);

/** XDEL the entry; clear the current notice if it was that entry. Returns 1 if deleted. */
const REMOVE = new LuaScript(`
local n = redis.call('XDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'id') == ARGV[1] then redis.call('DEL', KEYS[2]) end
return n
`);

/** Sets the mute key with its TTL; returns when it ends, by the server's clock. */
const MUTE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return now + tonumber(ARGV[1]) * 1000
`);

/** What the stream entry's `m` field holds; id and ts come from the stream id. */
interface EntryBody {
  k: StoredKind;
  t: string;
  u: User;
}

type StreamEntry = [string, string[]];

export interface RedisMessageStoreOptions extends MessageStoreOptions {
  /**
   * Longest wait for Redis before a call fails as unavailable (the client then retries with the
   * same clientId, which the dedup key makes safe even if the first call did land).
   * @default 2000
   */
  commandTimeoutMs: number;
  /** @default "chat" */
  keyPrefix: string;
}

/**
 * A room's history as one Redis Stream, capped at historySize, with a TTL. Every key of a room
 * carries the hash tag `{room}`, so a room's keys live on one shard and one script can touch them.
 */
export class RedisMessageStore implements MessageStore {
  private readonly opts: RedisMessageStoreOptions;

  constructor(
    private readonly redis: RedisCommands,
    options: Partial<RedisMessageStoreOptions> = {},
  ) {
    this.opts = { ...defaultMessageStoreOptions, commandTimeoutMs: 2_000, keyPrefix: "chat", ...options };
  }

  async append(draft: MessageDraft): Promise<AppendResult> {
    const body: EntryBody = { k: draft.kind, t: draft.text, u: draft.user };
    const [outcome, value, prev] = (await this.call(
      APPEND,
      [
        this.key(draft.room, "h"),
        this.key(draft.room, "n"),
        this.key(draft.room, `c:${draft.clientId}`),
        this.key(draft.room, `mute:${draft.user.id}`),
      ],
      [this.opts.historySize, JSON.stringify(body), this.opts.historyTtlSec, this.opts.dedupTtlSec, draft.kind],
    )) as [number, string, string?];
    if (Number(outcome) === 2) return { mutedForMs: Number(value) };
    const message = toMessage(draft.room, value, body);
    if (Number(outcome) === 1) return { message, duplicate: true };
    return { message, duplicate: false, prev: prev ? streamIdToMessageId(prev) : null };
  }

  async mute(room: string, userId: string, durationSec: number): Promise<number> {
    const until = await this.call(MUTE, [this.key(room, `mute:${userId}`)], [durationSec]);
    return Number(until);
  }

  async history(room: string, since?: string): Promise<HistoryResult> {
    const sinceStreamId = since === undefined ? null : messageIdToStreamId(since);
    const [found, entries] = (await this.call(
      HISTORY,
      [this.key(room, "h")],
      [sinceStreamId ?? "", this.opts.historySize],
    )) as [number, StreamEntry[]];
    const recovered = Number(found) === 1;
    const ordered = recovered ? entries : [...entries].reverse();
    const messages = ordered.map(([id, fields]) => parseEntry(room, id, fields)).filter((m) => m.kind !== "notice");
    return { recovered, messages };
  }

  async notice(room: string): Promise<StoredMessage | null> {
    const res = (await this.call(NOTICE, [this.key(room, "n")], [])) as [string, string] | [];
    if (res.length < 2) return null;
    const [id, json] = res as [string, string];
    return toMessage(room, id, JSON.parse(json) as EntryBody);
  }

  async remove(room: string, id: string): Promise<boolean> {
    const streamId = messageIdToStreamId(id);
    if (!streamId) return false;
    const n = await this.call(REMOVE, [this.key(room, "h"), this.key(room, "n")], [streamId]);
    return Number(n) === 1;
  }

  async close(): Promise<void> {
    // The Redis client belongs to whoever created it (the runtime closes it).
  }

  private key(room: string, suffix: string): string {
    return `${this.opts.keyPrefix}:{${room}}:${suffix}`;
  }

  private async call(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await withDeadline(
        script.run(this.redis, keys, args),
        this.opts.commandTimeoutMs,
        () => new StoreUnavailableError(`redis did not answer within ${this.opts.commandTimeoutMs} ms`),
      );
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      throw new StoreUnavailableError("redis command failed", { cause: err });
    }
  }
}

/** The notice hash as {id, json}, or {} — read with a script too so the reply shape is the same in RESP2 and RESP3. */
const NOTICE = new LuaScript(`
local v = redis.call('HMGET', KEYS[1], 'id', 'm')
if not v[1] then return {} end
return v
`);

function toMessage(room: string, streamId: string, body: EntryBody): StoredMessage {
  const ts = Number(streamId.slice(0, streamId.indexOf("-")));
  return { id: streamIdToMessageId(streamId), room, kind: body.k, text: body.t, user: body.u, ts };
}

function parseEntry(room: string, streamId: string, fields: string[]): StoredMessage {
  const at = fields.indexOf("m");
  return toMessage(room, streamId, JSON.parse(fields[at + 1] ?? "{}") as EntryBody);
}
