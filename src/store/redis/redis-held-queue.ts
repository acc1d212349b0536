/**
 * The Redis store's review queue (held messages: release, approval, denial, listing) and its
 * moderation notices, apart from redis-message-store.ts so each reads as one concept. Releases go
 * through the same confirmed write path as appends: the script on the master, WAIT, then publish.
 */
import type { HeldMessage, ReplyRef, User } from "../../protocol/index.js";
import type { LuaScript } from "../../redis/lua-script.js";
import type { ReplicatedWrites } from "../../redis/replicated-writes.js";
import { streamIdToMessageId } from "../message-id.js";
import type { ReleaseResult, ReleasedItem, StoredKind } from "../message-store.js";
import { StoreUnavailableError } from "../message-store.js";
import type { ModerationNotice } from "../moderation-notice.js";
import { ANNOUNCE, DENY, HELD, RELEASE } from "./held-lua.js";
import { encodeNotices } from "./notices-payload.js";
import { roomChannel } from "./room-channel.js";

/** What a stream entry's `m` field holds; id and ts come from the stream id, kind from `k`. */
export interface EntryBody {
  t: string;
  u: User;
  /** Posted by the site's backend. */
  sys?: true;
  /** The message it replies to. */
  r?: ReplyRef;
}

/** A held record as APPEND wrote it (see held-lua.ts). */
interface HeldRecord {
  k: StoredKind;
  m: string;
  s: string;
  r: "delay" | "review";
  t: string;
  at: number;
  ts: number;
}

export interface RedisHeldQueueDeps {
  writes: ReplicatedWrites;
  /** A script on the room's master through any connection (reads, denials, announcements). */
  call(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown>;
  /** The room's key with this suffix. */
  key(room: string, suffix: string): string;
  /** Runs `promise` within the store's deadline, failing as unavailable. */
  deadline<T>(promise: Promise<T>): Promise<T>;
  /** Publishes the room's durable entries up to the newest of these stream ids. */
  publish(room: string, streamIds: string[]): void;
  /** The room's write-behind keys (checkpoint, count, unarchived set), as APPEND takes them. */
  archiveKeys(room: string): string[];
  options: { historySize: number; historyTtlSec: number; dedupTtlSec: number; publishCap: number; archive: boolean };
}

/** Most held messages one release stores (a longer backlog goes in the next one, at once). */
const RELEASE_BATCH = 200;

export class RedisHeldQueue {
  constructor(private readonly deps: RedisHeldQueueDeps) {}

  release(room: string, mode: "due" | "one", heldId = ""): Promise<ReleaseResult> {
    const { key, writes, options } = this.deps;
    const keys = [key(room, "h"), key(room, "n"), key(room, "p"), key(room, "hq"), key(room, "hz"), ...this.deps.archiveKeys(room)];
    const run = async () => {
      const write = await writes.begin(keys[0]!);
      const args = [mode, heldId, options.historySize, options.historyTtlSec, options.dedupTtlSec, write.required === 0 ? 1 : 0, roomChannel(room), room, options.publishCap, RELEASE_BATCH, options.archive ? 1 : 0];
      const reply = (await write.run(RELEASE, keys, args)) as [string, string, ...[string, string, string, string][]];
      if (!(await write.confirm())) throw new StoreUnavailableError("the shard's replica did not confirm the release in time");
      return { reply, published: write.required === 0 };
    };
    return this.deps.deadline(run()).then(({ reply, published }) => {
      const [now, next, ...rows] = reply;
      const items = rows.map(([hid, outcome, value, raw]): ReleasedItem => {
        const record = JSON.parse(raw) as HeldRecord;
        const held = heldMessage(room, hid, record);
        return outcome === "stored"
          ? { held, sender: record.s, outcome: "stored", id: streamIdToMessageId(value) }
          : { held, sender: record.s, outcome: "dropped", dropped: value as "banned" | "muted" };
      });
      const stored = rows.filter(([, outcome]) => outcome === "stored").map(([, , id]) => id);
      if (!published && stored.length > 0) this.deps.publish(room, stored);
      return { items, nextDueInMs: next === "" ? null : Math.max(0, Number(next) - Number(now)) };
    });
  }

  async deny(room: string, heldId: string): Promise<HeldMessage | null> {
    const { key, options } = this.deps;
    const raw = (await this.deps.call(DENY, [key(room, "hq"), key(room, "hz")], [heldId, options.dedupTtlSec])) as string | null;
    return raw ? heldMessage(room, heldId, JSON.parse(raw) as HeldRecord) : null;
  }

  async list(room: string): Promise<HeldMessage[]> {
    const flat = (await this.deps.call(HELD, [this.deps.key(room, "hq")], [])) as string[];
    const held: HeldMessage[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) held.push(heldMessage(room, flat[i]!, JSON.parse(flat[i + 1]!) as HeldRecord));
    return held.sort((a, b) => a.ts - b.ts || Number(a.id.slice(1)) - Number(b.id.slice(1)));
  }

  async announce(room: string, notices: ModerationNotice[]): Promise<void> {
    if (notices.length === 0) return;
    await this.deps.call(ANNOUNCE, [this.deps.key(room, "h")], [roomChannel(room), encodeNotices(room, notices)]);
  }
}

/** A held record as moderators see it. */
function heldMessage(room: string, id: string, r: HeldRecord): HeldMessage {
  const body = JSON.parse(r.m) as EntryBody;
  const held: HeldMessage = {
    id,
    room,
    kind: r.k === "question" ? "question" : "chat",
    text: body.t,
    user: body.u,
    ts: r.ts,
    reason: r.r,
    releaseAt: r.at > 0 ? r.at : null,
  };
  if (r.t) held.term = r.t;
  if (body.r) held.replyTo = body.r;
  return held;
}
