import { roomChannel, roomKey } from "./room-channel.js";
import type { User } from "../../protocol/index.js";
import { LuaScript, type RedisCommands } from "../../redis/lua-script.js";
import type { ReplicatedWrites } from "../../redis/replicated-writes.js";
import { withDeadline } from "../../util/with-deadline.js";
import { messageIdToStreamId, streamIdToMessageId } from "../message-id.js";
import type { RoomSettings } from "../../protocol/index.js";
import { historyWindow } from "../history-window.js";
import {
  type AppendOutcome,
  type HistoryResult,
  type MessageDraft,
  type MessageStore,
  type MessageStoreOptions,
  type RoomAccess,
  type StoredKind,
  type StoredMessage,
  PACE_TTL_MS,
  StoreUnavailableError,
  defaultMessageStoreOptions,
} from "../message-store.js";
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
const APPEND = new LuaScript(`${LUA_HELPERS}
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

/**
 * Sets the ban key to when the ban ends ('0': until lifted), with that TTL when timed; returns the
 * end by the server's clock, or -1.
 */
const BAN = new LuaScript(`
if ARGV[1] == '' then
  redis.call('SET', KEYS[1], '0')
  return -1
end
local t = redis.call('TIME')
local untilMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1]) * 1000
redis.call('SET', KEYS[1], tostring(untilMs), 'PX', tonumber(ARGV[1]) * 1000)
return untilMs
`);

/**
 * The slow-mode interval and, when KEYS[2] is given, the user's ban: {slow, -2} not banned,
 * {slow, -1} until lifted, {slow, until} timed (what BAN stored).
 */
const ACCESS = new LuaScript(`
local slow = tonumber(redis.call('HGET', KEYS[1], 'slow') or '0')
if not KEYS[2] then return {slow, -2} end
local ban = redis.call('GET', KEYS[2])
if not ban then return {slow, -2} end
if ban == '0' then return {slow, -1} end
return {slow, tonumber(ban)}
`);

/** Sets the mute key with its TTL; returns when it ends, by the server's clock. */
const MUTE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return now + tonumber(ARGV[1]) * 1000
`);

/** Deletes the ban key: 1 when there was one. */
const UNBAN = new LuaScript(`return redis.call('DEL', KEYS[1])`);

/** Sets the settings hash; a setting at its default is removed (no key for a room with none). */
/** Opens the room until now + ARGV[1] s by the server's clock (in the lasting settings hash); returns that. */
const OPEN = new LuaScript(`
local t = redis.call('TIME')
local untilMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1]) * 1000
redis.call('HSET', KEYS[1], 'open', untilMs)
return untilMs
`);

const CONFIGURE = new LuaScript(`
if ARGV[1] == '0' then redis.call('HDEL', KEYS[1], 'slow') else redis.call('HSET', KEYS[1], 'slow', ARGV[1]) end
return 1
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
  /** Posted by the site's backend. */
  sys?: true;
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
 * one script appends and publishes (see room-channel.ts and publish-lua.ts).
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
    const keys = [this.key(room, "h"), this.key(room, "n"), this.key(room, "p"), this.key(room, "s")];
    const args: (string | number)[] = [];
    for (const d of drafts) {
      const user = d.user.id;
      keys.push(this.key(room, `c:${d.dedupKey}`), this.key(room, `mute:${user}`), this.key(room, `ban:${user}`), this.key(room, `pace:${user}`));
      const body: EntryBody = d.system ? { t: d.text, u: d.user, sys: true } : { t: d.text, u: d.user };
      args.push(d.kind, JSON.stringify(body), d.sender, d.exempt ? 1 : 0, d.fingerprint ?? "");
    }
    const { historySize, historyTtlSec, dedupTtlSec, publishCap } = this.opts;
    const run = async () => {
      const write = await this.deps.writes.begin(keys[0]!);
      const head = [historySize, historyTtlSec, dedupTtlSec, write.required === 0 ? 1 : 0, roomChannel(room), publishCap, room, drafts.length, PACE_TTL_MS, this.opts.requireOpenRooms ? 1 : 0];
      const reply = (await write.run(APPEND, keys, [...head, ...args])) as [number, string][];
      if (!(await write.confirm())) throw new StoreUnavailableError("the shard's replica did not confirm the write in time");
      return { reply, published: write.required === 0 };
    };
    const { reply, published } = await this.deadline(run());
    const outcomes = reply.map(([code, value]): AppendOutcome => {
      switch (Number(code)) {
        case 2:
          return { mutedForMs: Number(value) };
        case 3:
          return Number(value) < 0 ? { refused: "banned" } : { refused: "banned", retryAfterMs: Number(value) };
        case 4:
          return { refused: "slow_mode", retryAfterMs: Number(value) };
        case 5:
          return { refused: "conflict" };
        case 6:
          return { refused: "closed" };
        default:
          return { id: streamIdToMessageId(value), duplicate: Number(code) === 1 };
      }
    });
    const ids = reply.filter(([code]) => Number(code) <= 1).map(([, id]) => id);
    if (!published && ids.length > 0) this.publish(room, ids);
    return outcomes;
  }

  async mute(room: string, userId: string, durationSec: number): Promise<number> {
    return Number(await this.call(MUTE, [this.key(room, `mute:${userId}`)], [durationSec]));
  }

  async ban(room: string, userId: string, durationSec?: number): Promise<number | null> {
    const until = Number(await this.call(BAN, [this.key(room, `ban:${userId}`)], [durationSec ?? ""]));
    return until < 0 ? null : until;
  }

  async unban(room: string, userId: string): Promise<boolean> {
    return Number(await this.call(UNBAN, [this.key(room, `ban:${userId}`)], [])) === 1;
  }

  async access(room: string, userId?: string): Promise<RoomAccess> {
    const keys = [this.key(room, "s")];
    if (userId !== undefined) keys.push(this.key(room, `ban:${userId}`));
    const [slow, ban] = ((await this.call(ACCESS, keys, [])) as [number, number]).map(Number) as [number, number];
    return { settings: { slowModeSec: slow }, ban: ban === -2 ? null : { until: ban === -1 ? null : ban } };
  }

  async open(room: string, durationSec = this.opts.historyTtlSec): Promise<number> {
    return Number(await this.call(OPEN, [this.key(room, "s")], [durationSec]));
  }

  async configure(room: string, settings: RoomSettings): Promise<RoomSettings> {
    await this.call(CONFIGURE, [this.key(room, "s")], [settings.slowModeSec]);
    return { ...settings };
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
    return historyWindow(
      ordered.map(([id, fields]) => parseEntry(room, id, fields)),
      recovered,
    );
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
  const m: StoredMessage = { id: streamIdToMessageId(streamId), room, kind, text: body.t, user: body.u, ts };
  if (body.sys) m.system = true;
  return m;
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function parseEntry(room: string, streamId: string, fields: string[]): StoredMessage {
  const kind = (field(fields, "k") ?? "chat") as StoredKind;
  return toMessage(room, streamId, kind, JSON.parse(field(fields, "m") ?? "{}") as EntryBody);
}
