import { roomChannel, roomKey } from "./room-channel.js";
import { UNIQUE_CHAT_WINDOW_MS, type HeldMessage, type RoomSettings } from "../../protocol/index.js";
import type { LuaScript, RedisCommands } from "../../redis/lua-script.js";
import type { ReplicatedWrites } from "../../redis/replicated-writes.js";
import { messageIdToStreamId, streamIdToMessageId } from "../message-id.js";
import { historyWindow } from "../history-window.js";
import {
  type AppendOutcome,
  type HistoryResult,
  type MessageDraft,
  type MessageStore,
  type MessageStoreOptions,
  type ReleaseResult,
  type RoomAccess,
  type SettingsChange,
  type StoredKind,
  type StoredMessage,
  PACE_TTL_MS,
  StoreUnavailableError,
  defaultMessageStoreOptions,
} from "../message-store.js";
import { APPEND } from "./append-lua.js";
import { appendOutcome, type AppendReply } from "./append-reply.js";
import type { ModerationNotice } from "../moderation-notice.js";
import { settingsFields, settingsFromFields } from "../room-settings.js";
import { ENTRY } from "./held-lua.js";
import { HISTORY, NOTICE, REMOVE } from "./history-lua.js";
import { ENTRIES_BEFORE } from "./entries-before-lua.js";
import { BAN, MUTE, UNBAN } from "./moderation-lua.js";
import { PUBLISH } from "./publish-lua.js";
import { RedisHeldQueue, type EntryBody } from "./redis-held-queue.js";
import { storeCall, storeDeadline } from "./store-call.js";
import { ACCESS, CONFIGURE, OPEN } from "./settings-lua.js";
import { MODERATORS_KEY } from "./room-channel.js";
import { ARCHIVE_SUFFIX, roomUnarchivedKey } from "./archive-keys.js";
import { LAST_ID } from "./archive-lua.js";


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
  /**
   * An archive is written behind this store (docs/archive-design.md): every stored entry marks its
   * room for the sweeper in the same script, deletions are recorded for it, and a stream is never
   * trimmed past its archive checkpoint nor expires while behind it. @default false
   */
  archive: boolean;
}

export const defaultRedisMessageStoreOptions: RedisMessageStoreOptions = {
  ...defaultMessageStoreOptions,
  commandTimeoutMs: 3_000,
  keyPrefix: "chat",
  publishCap: 500,
  publishAttempts: 3,
  archive: false,
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
  private readonly queue: RedisHeldQueue;

  constructor(
    private readonly deps: RedisMessageStoreDeps,
    options: Partial<RedisMessageStoreOptions> = {},
  ) {
    this.opts = { ...defaultRedisMessageStoreOptions, ...options } satisfies RedisMessageStoreOptions;
    this.queue = new RedisHeldQueue({
      writes: deps.writes,
      call: (script, keys, args) => this.call(script, keys, args),
      key: (room, suffix) => this.key(room, suffix),
      deadline: (promise) => this.deadline(promise),
      publish: (room, ids) => this.publish(room, ids),
      archiveKeys: (room) => this.archiveKeys(room),
      options: this.opts,
    });
  }

  async append(room: string, drafts: MessageDraft[]): Promise<AppendOutcome[]> {
    if (drafts.length === 0) return [];
    const keys = [...["h", "n", "p", "s", "hq", "hz", "hs"].map((suffix) => this.key(room, suffix)), ...this.archiveKeys(room)];
    const args: (string | number)[] = [];
    for (const d of drafts) {
      const user = d.user.id;
      keys.push(
        this.key(room, `c:${d.dedupKey}`),
        this.key(room, `mute:${user}`),
        this.key(room, `ban:${user}`),
        this.key(room, `pace:${user}`),
        this.key(room, `uq:${d.uniqueKey ?? ""}`),
      );
      const body: EntryBody = { t: d.text, u: d.user };
      if (d.system) body.sys = true;
      if (d.replyTo) body.r = d.replyTo;
      const claims = d.claims ? `${d.claims.subscriber ? 1 : 0}|${d.claims.followedAt ?? -1}` : "";
      args.push(d.kind, JSON.stringify(body), d.sender, d.exempt ? 1 : 0, d.fingerprint ?? "", d.modExempt ? 1 : 0, claims, d.uniqueKey ? 1 : 0, d.review?.term ?? "");
    }
    const { historySize, historyTtlSec, dedupTtlSec, publishCap } = this.opts;
    const run = async () => {
      const write = await this.deps.writes.begin(keys[0]!);
      const head = [
        historySize, historyTtlSec, dedupTtlSec, write.required === 0 ? 1 : 0, roomChannel(room), publishCap, room, drafts.length,
        PACE_TTL_MS, this.opts.requireOpenRooms ? 1 : 0, this.opts.heldPerRoom, UNIQUE_CHAT_WINDOW_MS, this.opts.archive ? 1 : 0,
      ];
      const reply = (await write.run(APPEND, keys, [...head, ...args])) as AppendReply[];
      if (!(await write.confirm())) throw new StoreUnavailableError("the shard's replica did not confirm the write in time");
      return { reply, published: write.required === 0 };
    };
    const { reply, published } = await this.deadline(run());
    const outcomes = reply.map(appendOutcome);
    const ids = reply.filter(([code]) => Number(code) <= 1).map(([, id]) => id!);
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
    if (userId !== undefined) keys.push(this.key(room, `ban:${userId}`), this.key(room, MODERATORS_KEY));
    const reply = (await this.call(ACCESS, keys, userId === undefined ? [] : [userId])) as unknown[];
    const ban = Number(reply[5]);
    return { settings: settingsFromFields(reply.slice(0, 5)), ban: ban === -2 ? null : { until: ban === -1 ? null : ban }, appointed: Number(reply[6]) === 1 };
  }

  async open(room: string, durationSec = this.opts.historyTtlSec): Promise<number> {
    return Number(await this.call(OPEN, [this.key(room, "s")], [durationSec]));
  }

  async configure(room: string, change: SettingsChange): Promise<RoomSettings> {
    return settingsFromFields((await this.call(CONFIGURE, [this.key(room, "s")], settingsFields(change))) as unknown[]);
  }

  async message(room: string, id: string): Promise<StoredMessage | null> {
    const streamId = messageIdToStreamId(id);
    if (!streamId) return null;
    const hit = (await this.call(ENTRY, [this.key(room, "h")], [streamId])) as [string, string[]] | [];
    if (hit.length < 2) return null;
    const message = parseEntry(room, hit[0]!, hit[1]!);
    return message.kind === "clear" ? null : message;
  }

  releaseDue(room: string): Promise<ReleaseResult> {
    return this.queue.release(room, "due");
  }

  releaseHeld(room: string, heldId: string): Promise<ReleaseResult> {
    return this.queue.release(room, "one", heldId);
  }

  denyHeld(room: string, heldId: string): Promise<HeldMessage | null> {
    return this.queue.deny(room, heldId);
  }

  held(room: string): Promise<HeldMessage[]> {
    return this.queue.list(room);
  }

  announce(room: string, notices: ModerationNotice[]): Promise<void> {
    return this.queue.announce(room, notices);
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

  async entriesBefore(room: string, before: string | undefined, limit: number): Promise<StoredMessage[]> {
    const streamId = before === undefined ? "" : messageIdToStreamId(before);
    if (streamId === null) return [];
    const entries = (await this.call(ENTRIES_BEFORE, [this.key(room, "h"), this.key(room, "p")], [streamId, limit])) as StreamEntry[];
    return entries.reverse().map(([id, fields]) => parseEntry(room, id, fields));
  }

  async notice(room: string): Promise<StoredMessage | null> {
    const res = (await this.call(NOTICE, [this.key(room, "n")], [])) as [string, string] | [];
    if (res.length < 2) return null;
    const [id, json] = res as [string, string];
    return toMessage(room, id, "notice", JSON.parse(json) as EntryBody);
  }

  /** `by`: who deleted it, as the archive records it (the MessageStore interface does not carry it yet). */
  async remove(room: string, id: string, by = "moderator"): Promise<boolean> {
    const streamId = messageIdToStreamId(id);
    if (!streamId) return false;
    const { checkpoint, deletions, count } = ARCHIVE_SUFFIX;
    const keys = [this.key(room, "h"), this.key(room, "n"), this.key(room, checkpoint), this.key(room, deletions), this.key(room, count), roomUnarchivedKey(this.opts.keyPrefix, room)];
    const n = await this.call(REMOVE, keys, [streamId, this.opts.archive ? 1 : 0, room, by]);
    return Number(n) === 1;
  }

  /**
   * Publishes what the room's stream holds past its publish cursor, once WAIT confirmed it (a WAIT
   * now confirms everything stored on the master before it). For entries whose writer died between
   * its WAIT and its publish: they were acked, but would reach viewers, history and the archive
   * only with the room's next publish. The write-behind calls it for rooms where such an entry
   * is older than a few seconds.
   */
  async publishStranded(room: string): Promise<void> {
    const stream = this.key(room, "h");
    const run = async () => {
      const write = await this.deps.writes.begin(stream);
      const top = String(await write.run(LAST_ID, [stream], []));
      if (top !== "" && (await write.confirm())) this.publish(room, [top]);
    };
    await this.deadline(run());
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
    const keys = [this.key(room, "h"), this.key(room, "n"), this.key(room, "p"), this.key(room, ARCHIVE_SUFFIX.checkpoint)];
    const args = [roomChannel(room), room, sorted[0]!, sorted.at(-1)!, this.opts.historyTtlSec, this.opts.publishCap, this.opts.historySize, this.opts.archive ? 1 : 0];
    const attempt = (n: number): void => {
      this.call(PUBLISH, keys, args).catch((err: unknown) => {
        if (n + 1 < this.opts.publishAttempts) setTimeout(() => attempt(n + 1), 200 * 4 ** n).unref();
        else this.deps.onPublishError?.(err, room);
      });
    };
    attempt(0);
  }

  /** The keys every script that adds entries takes for the write-behind: checkpoint, count, the slot's unarchived set. */
  private archiveKeys(room: string): string[] {
    return [this.key(room, ARCHIVE_SUFFIX.checkpoint), this.key(room, ARCHIVE_SUFFIX.count), roomUnarchivedKey(this.opts.keyPrefix, room)];
  }

  private key(room: string, suffix: string): string {
    return roomKey(this.opts.keyPrefix, room, suffix);
  }

  private deadline<T>(promise: Promise<T>): Promise<T> {
    return storeDeadline(promise, this.opts.commandTimeoutMs);
  }

  private call(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return storeCall(this.deps.redis, script, keys, args, this.opts.commandTimeoutMs);
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
  if (body.r) m.replyTo = body.r;
  return m;
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** A stream entry (id and fields) as a stored message; also read by the write-behind. */
export function parseEntry(room: string, streamId: string, fields: string[]): StoredMessage {
  const kind = (field(fields, "k") ?? "chat") as StoredKind;
  return toMessage(room, streamId, kind, JSON.parse(field(fields, "m") ?? "{}") as EntryBody);
}
