import { roomChannel, roomKey } from "./room-channel.js";
import type { RoomSettings, User } from "../../protocol/index.js";
import type { LuaScript, RedisCommands } from "../../redis/lua-script.js";
import type { ReplicatedWrites } from "../../redis/replicated-writes.js";
import { withDeadline } from "../../util/with-deadline.js";
import { messageIdToStreamId, streamIdToMessageId } from "../message-id.js";
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
import { APPEND } from "./append-lua.js";
import { HISTORY, NOTICE, REMOVE } from "./history-lua.js";
import { BAN, MUTE, UNBAN } from "./moderation-lua.js";
import { PUBLISH } from "./publish-lua.js";
import { ACCESS, CONFIGURE, OPEN } from "./settings-lua.js";

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
