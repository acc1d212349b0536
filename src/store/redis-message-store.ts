import { roomChannel, roomKey } from "../delivery/room-channel.js";
import type { User } from "../protocol/index.js";
import { LuaScript, type RedisCommands } from "../redis/lua-script.js";
import type { ReplicatedWrites } from "../redis/replicated-writes.js";
import { withDeadline } from "../util/with-deadline.js";
import { messageIdToStreamId, streamIdToMessageId } from "./message-id.js";
import {
  type AppendOutcome,
  type HistoryResult,
  type MessageDraft,
  type MessageStore,
  type MessageStoreOptions,
  type StoredKind,
  type StoredMessage,
  StoreUnavailableError,
  defaultMessageStoreOptions,
} from "./message-store.js";
import { LUA_HELPERS } from "./redis-publish-lua.js";

/**
 * Per draft: dedup check, mute check (not for notices), XADD. Then, when the shard needs no
 * replica's confirmation (ARGV[4] = 1), publishes right away; otherwise the caller publishes with
 * PUBLISH once WAIT confirmed the write.
 * KEYS: stream, notice hash, publish cursor, then per draft: dedup key, author's mute key.
 * ARGV: maxlen, history ttl, dedup ttl, publish now (0/1), channel, publish cap, room, n, then per
 * draft: kind, body JSON, sender socket id.
 * Returns per draft {0, id} stored, {1, id} duplicate or {2, ms} muted.
 */
const APPEND = new LuaScript(`${LUA_HELPERS}
local stream, notice, cursor = KEYS[1], KEYS[2], KEYS[3]
local ttl, n = tonumber(ARGV[2]), tonumber(ARGV[8])
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
  local dedup, mute = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local kind, body, sender = ARGV[6 + 3 * i], ARGV[7 + 3 * i], ARGV[8 + 3 * i]
  local id = redis.call('GET', dedup)
  if id then
    out[i] = {1, id}
  else
    local left = 0
    if kind ~= 'notice' then left = redis.call('PTTL', mute) end
    if left > 0 then
      out[i] = {2, tostring(left)}
    else
      id = redis.call('XADD', stream, 'MAXLEN', ARGV[1], '*', 'k', kind, 'm', body, 's', sender)
      redis.call('SET', dedup, id, 'EX', ARGV[3])
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

/**
 * Publishes what is stored up to an id that is now durable (everything before it on the same
 * master is too: replication is one ordered stream). KEYS: stream, notice hash, cursor.
 * ARGV: channel, room, from, upto, history ttl, publish cap.
 */
const PUBLISH = new LuaScript(`${LUA_HELPERS}
return publish(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]))
`);

/**
 * Published entries only (up to the cursor). With a known \`since\`: {1, entries after it}.
 * Otherwise {0, latest entries newest first}. One script, so trimming cannot fall between the
 * check and the read. KEYS: stream, cursor. ARGV: since stream id or '', count.
 */
const HISTORY = new LuaScript(`${LUA_HELPERS}
local top = redis.call('GET', KEYS[2]) or '+'
if ARGV[1] ~= '' then
  local hit = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
  if #hit > 0 then
    if top ~= '+' and cmp(ARGV[1], top) >= 0 then return {1, {}} end
    return {1, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], top, 'COUNT', ARGV[2])}
  end
end
return {0, redis.call('XREVRANGE', KEYS[1], top, '-', 'COUNT', ARGV[2])}
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

/** The notice hash as {id, json}, or {}: read with a script so the reply shape is the same in RESP2 and RESP3. */
const NOTICE = new LuaScript(`
local v = redis.call('HMGET', KEYS[1], 'id', 'm')
if not v[1] then return {} end
return v
`);

/** What a stream entry's `m` field holds; id and ts come from the stream id, kind from `k`. */
interface EntryBody {
  t: string;
  u: User;
}

type StreamEntry = [string, string[]];

export interface RedisMessageStoreOptions extends MessageStoreOptions {
  /**
   * Longest wait for Redis (script and replica confirmation) before a call fails as unavailable
   * (the client then retries with the same clientId, which the dedup key makes safe even if the
   * first call did land).
   * @default 3000
   */
  commandTimeoutMs: number;
  /** @default "chat" */
  keyPrefix: string;
  /** Most entries one publish carries; a longer backlog publishes its newest ones. @default 500 */
  publishCap: number;
  /** Attempts to publish durable entries when the publish itself fails. @default 3 */
  publishAttempts: number;
}

export const defaultRedisMessageStoreOptions: RedisMessageStoreOptions = {
  ...defaultMessageStoreOptions,
  commandTimeoutMs: 3_000,
  keyPrefix: "chat",
  publishCap: 500,
  publishAttempts: 3,
};

export interface RedisMessageStoreDeps {
  /** Reads and the follow-up publish (any connection that routes by key). */
  redis: RedisCommands;
  /** The confirmed write path (script on the master, then WAIT on the same connection). */
  writes: ReplicatedWrites;
  /** Told when durable entries could not be published (they go out with the room's next publish). */
  onPublishError?: (err: unknown, room: string) => void;
}

/**
 * A room's history as one Redis Stream, capped at historySize, with a TTL. Every key of a room has
 * the room's sharded channel as its hash tag, so a room's keys and channel live on one shard and
 * one script appends and publishes (see room-channel.ts and redis-publish-lua.ts).
 */
export class RedisMessageStore implements MessageStore {
  private readonly opts: RedisMessageStoreOptions;

  constructor(
    private readonly deps: RedisMessageStoreDeps,
    options: Partial<RedisMessageStoreOptions> = {},
  ) {
    this.opts = { ...defaultRedisMessageStoreOptions, ...options } satisfies RedisMessageStoreOptions;
  }

  async append(room: string, drafts: MessageDraft[]): Promise<AppendOutcome[]> {
    if (drafts.length === 0) return [];
    const keys = [this.key(room, "h"), this.key(room, "n"), this.key(room, "p")];
    const args: (string | number)[] = [];
    for (const d of drafts) {
      keys.push(this.key(room, `c:${d.dedupKey}`), this.key(room, `mute:${d.user.id}`));
      args.push(d.kind, JSON.stringify({ t: d.text, u: d.user } satisfies EntryBody), d.sender);
    }
    const { historySize, historyTtlSec, dedupTtlSec, publishCap } = this.opts;
    const run = async () => {
      const write = await this.deps.writes.begin(keys[0]!);
      const head = [historySize, historyTtlSec, dedupTtlSec, write.required === 0 ? 1 : 0, roomChannel(room), publishCap, room, drafts.length];
      const reply = (await write.run(APPEND, keys, [...head, ...args])) as [number, string][];
      if (!(await write.confirm())) throw new StoreUnavailableError("the shard's replica did not confirm the write in time");
      return { reply, published: write.required === 0 };
    };
    const { reply, published } = await this.deadline(run());
    const outcomes = reply.map(([code, value]): AppendOutcome => {
      if (Number(code) === 2) return { mutedForMs: Number(value) };
      return { id: streamIdToMessageId(value), duplicate: Number(code) === 1 };
    });
    const ids = reply.filter(([code]) => Number(code) !== 2).map(([, id]) => id);
    if (!published && ids.length > 0) this.publish(room, ids);
    return outcomes;
  }

  async mute(room: string, userId: string, durationSec: number): Promise<number> {
    return Number(await this.call(MUTE, [this.key(room, `mute:${userId}`)], [durationSec]));
  }

  async history(room: string, since?: string): Promise<HistoryResult> {
    const sinceStreamId = since === undefined ? null : messageIdToStreamId(since);
    const [found, entries] = (await this.call(
      HISTORY,
      [this.key(room, "h"), this.key(room, "p")],
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
    return toMessage(room, id, "notice", JSON.parse(json) as EntryBody);
  }

  async remove(room: string, id: string): Promise<boolean> {
    const streamId = messageIdToStreamId(id);
    if (!streamId) return false;
    const n = await this.call(REMOVE, [this.key(room, "h"), this.key(room, "n")], [streamId]);
    return Number(n) === 1;
  }

  async close(): Promise<void> {
    // The Redis clients belong to whoever created them (the runtime closes them).
  }

  /**
   * Publishes the room's durable entries up to the newest of `ids`. The sender already has its
   * ack, so this is not awaited; a failure is retried a few times and otherwise left to the room's
   * next publish, which starts from the cursor and so carries these entries too.
   */
  private publish(room: string, streamIds: string[]): void {
    const sorted = [...streamIds].sort(compareStreamIds);
    const keys = [this.key(room, "h"), this.key(room, "n"), this.key(room, "p")];
    const args = [roomChannel(room), room, sorted[0]!, sorted.at(-1)!, this.opts.historyTtlSec, this.opts.publishCap];
    const attempt = (n: number): void => {
      this.call(PUBLISH, keys, args).catch((err: unknown) => {
        if (n + 1 < this.opts.publishAttempts) setTimeout(() => attempt(n + 1), 200 * 4 ** n).unref();
        else this.deps.onPublishError?.(err, room);
      });
    };
    attempt(0);
  }

  private key(room: string, suffix: string): string {
    return roomKey(this.opts.keyPrefix, room, suffix);
  }

  private deadline<T>(promise: Promise<T>): Promise<T> {
    return withDeadline(promise, this.opts.commandTimeoutMs, () => new StoreUnavailableError(`redis did not answer within ${this.opts.commandTimeoutMs} ms`)).catch(
      (err: unknown) => {
        throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError("redis command failed", { cause: err });
      },
    );
  }

  private call(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.deadline(script.run(this.deps.redis, keys, args));
  }
}

/** Orders Redis Stream ids (`ms-seq`) numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(Number) as [number, number];
  const [bm, bs] = b.split("-").map(Number) as [number, number];
  return am - bm || as - bs;
}

function toMessage(room: string, streamId: string, kind: StoredKind, body: EntryBody): StoredMessage {
  const ts = Number(streamId.slice(0, streamId.indexOf("-")));
  return { id: streamIdToMessageId(streamId), room, kind, text: body.t, user: body.u, ts };
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function parseEntry(room: string, streamId: string, fields: string[]): StoredMessage {
  const kind = (field(fields, "k") ?? "chat") as StoredKind;
  return toMessage(room, streamId, kind, JSON.parse(field(fields, "m") ?? "{}") as EntryBody);
}
