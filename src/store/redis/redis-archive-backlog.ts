/**
 * The Redis side of the write-behind (docs/archive-design.md): which rooms of a shard have entries
 * the archive has not taken yet, those entries, and moving a room's checkpoint once they are
 * archived. The sweeper (src/archive/write-behind/) drives it; every mark it reads was written by
 * the scripts that stored the entries (APPEND, RELEASE, REMOVE), in the same step.
 */
import type { LuaScript, RawCommands, RedisCommands } from "../../redis/lua-script.js";
import { runOnNode } from "../../redis/lua-script.js";
import type { StoredMessage } from "../message-store.js";
import { streamIdToMessageId } from "../message-id.js";
import { ARCHIVE_SUFFIX, leaseKey, roomKeyParts, roomUnarchivedKey, slotTag } from "./archive-keys.js";
import { CHECKPOINT, LEASE, LEASE_END, SWEEP_ADVANCE, SWEEP_ADVANCE_MANY, SWEEP_READ, SWEEP_READ_MANY, SWEEP_SCAN } from "./archive-lua.js";
import { parseEntry } from "./redis-message-store.js";
import { roomKey } from "./room-channel.js";
import { storeCall, storeDeadline } from "./store-call.js";

/** One master and the slots it serves. */
export interface BacklogShard {
  /** The shard's first slot: its identity across a failover (its lease lives there). */
  id: number;
  /** Inclusive slot ranges. */
  slots: [number, number][];
  /** Runs a raw command on the master itself. */
  node: RawCommands;
}

export interface BacklogScan {
  /** Rooms of the shard marked unarchived. */
  rooms: number;
  /** Entries added to them and not archived yet (their counts). */
  backlog: number;
  /** The rooms with the oldest marks, oldest first, with the time (ms) of their oldest unarchived entry. */
  oldest: { room: string; since: number }[];
}

/** A moderator's deletion the archive has not seen yet. */
export interface PendingDeletion {
  /** Wire id. */
  id: string;
  by: string;
  at: number;
  /** The whole entry when it was deleted before it was archived. */
  entry?: StoredMessage;
}

export interface RoomBacklog {
  room: string;
  /** Published entries past the checkpoint, oldest first. */
  entries: StoredMessage[];
  /** Stream id of the last of `entries` (what the checkpoint moves to once they are archived). */
  upto: string | null;
  deletions: PendingDeletion[];
  /** Stream ids of `deletions` (forgotten once applied). */
  deletionIds: string[];
  /** When the room's oldest entry not yet published was stored (ms), or null: nothing unpublished. */
  unpublishedSince: number | null;
}

export interface RedisArchiveBacklogOptions {
  /** @default "chat" */
  keyPrefix: string;
  /** The history window the stream is trimmed to once archived. @default 100 */
  historySize: number;
  /** TTL a caught-up room's keys get again. @default 86400 */
  historyTtlSec: number;
  /** @default 3000 */
  commandTimeoutMs: number;
}

export const defaultRedisArchiveBacklogOptions: RedisArchiveBacklogOptions = { keyPrefix: "chat", historySize: 100, historyTtlSec: 86_400, commandTimeoutMs: 3_000 };

export interface RedisArchiveBacklogDeps {
  /** Routes a script to the master of its first key. */
  redis: RedisCommands;
  /** The masters and their slots now. */
  shards(): Promise<BacklogShard[]>;
}

export class RedisArchiveBacklog {
  private readonly opts: RedisArchiveBacklogOptions;
  private readonly countKey: { head: string; tail: string };
  /** A room's key is `head + room + mid + suffix` (the *_MANY scripts build them). */
  private readonly roomKeys: { head: string; mid: string };

  constructor(
    private readonly deps: RedisArchiveBacklogDeps,
    options: Partial<RedisArchiveBacklogOptions> = {},
  ) {
    this.opts = { ...defaultRedisArchiveBacklogOptions, ...options } satisfies RedisArchiveBacklogOptions;
    this.countKey = roomKeyParts(this.opts.keyPrefix, ARCHIVE_SUFFIX.count);
    const { head, tail } = roomKeyParts(this.opts.keyPrefix, "");
    this.roomKeys = { head, mid: tail };
  }

  shards(): Promise<BacklogShard[]> {
    return storeDeadline(this.deps.shards(), this.opts.commandTimeoutMs);
  }

  /** Takes or renews the shard's sweeper lease for `ms`; true when `owner` holds it. */
  async lease(shard: BacklogShard, owner: string, ms: number): Promise<boolean> {
    return Number(await this.call(LEASE, [leaseKey(this.opts.keyPrefix, shard.id)], [owner, ms])) === 1;
  }

  /** Gives the lease up if `owner` holds it. */
  async endLease(shard: BacklogShard, owner: string): Promise<void> {
    await this.call(LEASE_END, [leaseKey(this.opts.keyPrefix, shard.id)], [owner]);
  }

  /** The shard's marked rooms: counts, and the `limit` with the oldest marks. */
  async scan(shard: BacklogShard, limit: number): Promise<BacklogScan> {
    const tags: string[] = [];
    for (const [from, to] of shard.slots) for (let s = from; s <= to; s++) tags.push(slotTag(s));
    const args = [limit, this.opts.keyPrefix, this.countKey.head, this.countKey.tail, ...tags];
    const reply = (await storeDeadline(runOnNode(shard.node, SWEEP_SCAN, [], args), this.opts.commandTimeoutMs)) as (string | number)[];
    const oldest: BacklogScan["oldest"] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) oldest.push({ room: String(reply[i]), since: Number(reply[i + 1]) });
    return { rooms: Number(reply[0]), backlog: Number(reply[1]), oldest };
  }

  /** Up to `count` of the room's published entries past its checkpoint, and its pending deletions. */
  async read(room: string, count: number): Promise<RoomBacklog> {
    const keys = [this.key(room, "h"), this.key(room, "p"), this.key(room, ARCHIVE_SUFFIX.checkpoint), this.key(room, ARCHIVE_SUFFIX.deletions)];
    return parseRead(room, (await this.call(SWEEP_READ, keys, [count])) as ReadReply);
  }

  /**
   * {@link read} for many rooms of one shard in one script on its master; null for a room whose
   * slot is not there (moved since the scan: read it alone).
   */
  async readMany(shard: BacklogShard, rooms: string[], count: number): Promise<(RoomBacklog | null)[]> {
    if (rooms.length === 0) return [];
    const args = [count, this.roomKeys.head, this.roomKeys.mid, ...rooms];
    const reply = (await storeDeadline(runOnNode(shard.node, SWEEP_READ_MANY, [], args), this.opts.commandTimeoutMs)) as ([0] | [1, ReadReply])[];
    return reply.map((r, i) => (Number(r[0]) === 1 ? parseRead(rooms[i]!, r[1]!) : null));
  }

  /** {@link advance} for many rooms of one shard in one script on its master; null for a room whose slot is not there. */
  async advanceMany(shard: BacklogShard, items: { room: string; upto: string | null; deletionIds: string[] }[]): Promise<({ moved: number; marked: boolean } | null)[]> {
    if (items.length === 0) return [];
    const args: (string | number)[] = [this.opts.historySize, this.opts.historyTtlSec, this.roomKeys.head, this.roomKeys.mid];
    for (const { room, upto, deletionIds } of items) args.push(room, upto ?? "", roomUnarchivedKey(this.opts.keyPrefix, room), deletionIds.length, ...deletionIds);
    const reply = (await storeDeadline(runOnNode(shard.node, SWEEP_ADVANCE_MANY, [], args), this.opts.commandTimeoutMs)) as [number, number][];
    return reply.map(([moved, marked]) => (Number(moved) < 0 ? null : { moved: Number(moved), marked: Number(marked) === 1 }));
  }


  /**
   * The archive took the room's entries up to `upto` and its deletions `deletionIds`: moves the
   * checkpoint, trims, and unmarks the room if nothing newer arrived. Also drops entries (the
   * backlog cap) when called without archiving them. Resolves with how many entries the
   * checkpoint passed and whether the room is still marked.
   */
  async advance(room: string, upto: string | null, deletionIds: string[] = []): Promise<{ moved: number; marked: boolean }> {
    const { checkpoint, count, deletions } = ARCHIVE_SUFFIX;
    const keys = [
      this.key(room, "h"), this.key(room, "p"), this.key(room, checkpoint), this.key(room, count), this.key(room, deletions),
      roomUnarchivedKey(this.opts.keyPrefix, room),
    ];
    const [moved, marked] = (await this.call(SWEEP_ADVANCE, keys, [room, upto ?? "", this.opts.historySize, this.opts.historyTtlSec, ...deletionIds])) as [number, number];
    return { moved: Number(moved), marked: Number(marked) === 1 };
  }

  /** The room's archive checkpoint as a wire id (null: nothing archived yet), for tests and reads. */
  async checkpoint(room: string): Promise<string | null> {
    const reply = String(await this.call(CHECKPOINT, [this.key(room, ARCHIVE_SUFFIX.checkpoint)], []));
    return reply === "" ? null : streamIdToMessageId(reply);
  }

  private key(room: string, suffix: string): string {
    return roomKey(this.opts.keyPrefix, room, suffix);
  }

  private call(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return storeCall(this.deps.redis, script, keys, args, this.opts.commandTimeoutMs);
  }
}

type ReadReply = [string, [string, string[]][], string[], string];

/** SWEEP_READ's reply as a room's backlog. */
function parseRead(room: string, [, raw, pending, unpublished]: ReadReply): RoomBacklog {
  const entries = raw.map(([id, fields]) => parseEntry(room, id, fields));
  const deletions: PendingDeletion[] = [];
  const deletionIds: string[] = [];
  for (let i = 0; i + 1 < pending.length; i += 2) {
    const streamId = pending[i]!;
    const record = JSON.parse(pending[i + 1]!) as { by: string; at: number; k?: string; m?: string };
    const deletion: PendingDeletion = { id: streamIdToMessageId(streamId), by: record.by, at: record.at };
    if (record.k !== undefined) deletion.entry = parseEntry(room, streamId, ["k", record.k, "m", record.m ?? "{}"]);
    deletions.push(deletion);
    deletionIds.push(streamId);
  }
  const unpublishedSince = unpublished ? Number(unpublished.slice(0, unpublished.indexOf("-"))) : null;
  return { room, entries, upto: raw.at(-1)?.[0] ?? null, deletions, deletionIds, unpublishedSince };
}
