/**
 * The write-behind (issue #20, docs/archive-design.md): copies what the Redis streams hold and the
 * archive does not yet into the archive, never on the send path. Each shard has one sweeper at a
 * time (a lease any replica may hold); the holder reads its shard's marked rooms, inserts their
 * entries past the checkpoint (idempotent per (room, id)), and only then moves the checkpoints.
 * A crash anywhere leaves the marks, and the next sweep inserts the same entries again, which the
 * archive ignores. A failing archive is retried with backoff; every mark stays meanwhile.
 */
import type { Logger } from "pino";
import type { ArchivedEntry, MessageArchive } from "../message-archive.js";
import type { BacklogShard, RedisArchiveBacklog } from "../../store/redis/redis-archive-backlog.js";
import { Backoff } from "../../util/backoff.js";
import { defaultWriteBehindOptions, type WriteBehindOptions } from "./write-behind-options.js";

/** What the sweeper reports (the runtime turns them into the chat_archive_* metrics). */
export interface WriteBehindEvents {
  /** Seconds since the oldest unarchived entry among the shards this replica sweeps (0: none). */
  lag(seconds: number): void;
  /** Entries not archived yet in the shards this replica sweeps. */
  backlog(entries: number): void;
  /** Entries newly archived. */
  inserted(entries: number): void;
  /** An archive call failed (the sweep backs off). */
  failed(): void;
  /** Entries dropped unarchived by the backlog cap. */
  dropped(entries: number): void;
}

export interface ArchiveSweeperDeps {
  archive: MessageArchive;
  backlog: Pick<RedisArchiveBacklog, "shards" | "lease" | "endLease" | "scan" | "read" | "readMany" | "advance" | "advanceMany">;
  /** This replica's id (the lease's owner). */
  owner: string;
  /** Publishes a room's stranded entries (RedisMessageStore.publishStranded). @default none */
  publishStranded?: (room: string) => Promise<void>;
  logger: Logger;
  events?: Partial<WriteBehindEvents>;
  /** @default Date.now */
  now?: () => number;
  /** Jitter source. @default Math.random */
  random?: () => number;
}

/** The archive (not Redis) failed a call: the sweep backs off. */
class ArchiveCallError extends Error {
  override name = "ArchiveCallError";
  constructor(cause: unknown) {
    super("archive call failed", { cause });
  }
}

export class ArchiveSweeper {
  private readonly opts: WriteBehindOptions;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private shards: BacklogShard[] = [];
  private shardsAt = -Infinity;
  private readonly held = new Set<number>();
  /** Per shard: the last scan's rooms, its time, backlog and the lag it saw. */
  private readonly scans = new Map<number, { at: number; rooms: string[]; backlog: number; lag: number }>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private retryAt = 0;
  private stopped = true;

  constructor(
    private readonly deps: ArchiveSweeperDeps,
    options: Partial<WriteBehindOptions> = {},
  ) {
    this.opts = { ...defaultWriteBehindOptions, ...options } satisfies WriteBehindOptions;
    this.backoff = new Backoff(this.opts.backoffMinMs, this.opts.backoffMaxMs, deps.random);
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const renew = () => {
      void this.renewLeases().finally(() => {
        if (!this.stopped) this.leaseTimer = setTimeout(renew, this.opts.leaseRenewMs).unref();
      });
    };
    renew();
    this.schedule(0);
  }

  /** Stops sweeping, waits for a sweep in flight, and gives the leases up so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    clearTimeout(this.leaseTimer);
    await this.running;
    await Promise.allSettled(this.shards.filter((s) => this.held.has(s.id)).map((s) => this.deps.backlog.endLease(s, this.deps.owner)));
    this.held.clear();
  }

  /** One sweep of every shard this replica holds (tests call it directly). Resolves true when a room had more than one sweep takes. */
  async sweepOnce(): Promise<boolean> {
    const sweeping = this.now() >= this.retryAt;
    // Shards at once: each is its own Redis node and its own archive transaction, and a replica
    // may hold every shard's lease.
    const results = await Promise.all(
      this.shards
        .filter((s) => this.held.has(s.id))
        .map(async (shard) => {
          const scan = await this.scanned(shard);
          let more = false;
          let failure: unknown;
          if (sweeping && scan.rooms.length > 0) {
            try {
              more = await this.sweepRooms(shard, scan.rooms, scan.fresh);
            } catch (err) {
              if (!(err instanceof ArchiveCallError)) throw err;
              failure = err.cause;
            }
          }
          return { lag: scan.lag, backlog: scan.backlog, more, failure };
        }),
    );
    const failures = results.filter((r) => r.failure !== undefined);
    if (failures.length > 0) {
      // One step of backoff per sweep, however many shards failed in it.
      const waitMs = this.backoff.fail();
      this.retryAt = this.now() + waitMs;
      for (const _ of failures) this.deps.events?.failed?.();
      this.deps.logger.warn({ err: failures[0]!.failure, shards: failures.length, retryInMs: waitMs }, "archive insert failed; the entries stay marked in Redis and are retried");
    } else if (sweeping && results.length > 0) {
      this.backoff.succeed();
      this.retryAt = 0;
    }
    this.deps.events?.lag?.(Math.max(0, ...results.map((r) => r.lag)));
    this.deps.events?.backlog?.(results.reduce((n, r) => n + r.backlog, 0));
    return results.some((r) => r.more);
  }

  /** The shard's marked rooms: scanned again every scanIntervalMs (and then the backlog cap applied), else the last scan's. */
  private async scanned(shard: BacklogShard): Promise<{ rooms: string[]; backlog: number; lag: number; fresh: boolean }> {
    const last = this.scans.get(shard.id);
    if (last && this.now() - last.at < this.opts.scanIntervalMs) return { ...last, fresh: false };
    const scan = await this.deps.backlog.scan(shard, this.opts.roomsPerSweep);
    const rooms = scan.oldest.map((r) => r.room);
    if (scan.backlog > this.opts.backlogMax) await this.drop(rooms, scan.backlog - this.opts.backlogMax);
    const lag = scan.oldest.length > 0 ? Math.max(0, (this.now() - scan.oldest[0]!.since) / 1000) : 0;
    const fresh = { at: this.now(), rooms, backlog: scan.backlog, lag };
    this.scans.set(shard.id, fresh);
    return { ...fresh, fresh: true };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.sweepTimer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, ms).unref();
  }

  private async tick(): Promise<void> {
    let more = false;
    try {
      if (this.now() - this.shardsAt > this.opts.shardsRefreshMs) await this.refreshShards();
      more = await this.sweepOnce();
    } catch (err) {
      // Redis itself failing: the marks are where they were; try again on the next tick.
      this.deps.logger.warn({ err }, "archive sweep failed; retrying");
    }
    this.schedule(more && this.now() >= this.retryAt ? 0 : this.opts.sweepIntervalMs);
  }

  private async refreshShards(): Promise<void> {
    this.shards = await this.deps.backlog.shards();
    this.shardsAt = this.now();
  }

  /** Takes or renews this replica's shard leases (on a timer once started; tests call it directly). */
  async renewLeases(): Promise<void> {
    try {
      if (this.now() - this.shardsAt > this.opts.shardsRefreshMs) await this.refreshShards();
      await Promise.all(
        this.shards.map(async (shard) => {
          const mine = await this.deps.backlog.lease(shard, this.deps.owner, this.opts.leaseMs).catch(() => false);
          if (mine) this.held.add(shard.id);
          else this.held.delete(shard.id);
        }),
      );
    } catch (err) {
      this.deps.logger.warn({ err }, "archive sweeper could not renew its leases");
    }
  }

  /**
   * Archives the rooms' entries past their checkpoints, then moves the checkpoints. True: a room
   * has more waiting. `fresh`: the rooms come from a scan just now, so a room with nothing to
   * archive is advanced too (rescored, or unmarked if its mark is stale); between scans such a
   * room is left alone (most of the last scan's rooms are caught up most of the time).
   */
  private async sweepRooms(shard: BacklogShard, rooms: string[], fresh: boolean): Promise<boolean> {
    const { backlog } = this.deps;
    // One script for all of the shard's rooms; a room whose slot moved since the scan, alone.
    const many = await backlog.readMany(shard, rooms, this.opts.entriesPerRoom);
    const batches = await Promise.all(many.map((b, i) => b ?? backlog.read(rooms[i]!, this.opts.entriesPerRoom)));
    for (const b of batches) {
      if (b.unpublishedSince !== null && this.now() - b.unpublishedSince > this.opts.strandedAfterMs && this.deps.publishStranded) {
        this.deps.publishStranded(b.room).catch((err: unknown) => this.deps.logger.warn({ err, room: b.room }, "publishing a room's stranded entries failed; retried at the next sweep"));
      }
    }
    const entries: ArchivedEntry[] = [];
    for (const b of batches) {
      entries.push(...b.entries);
      for (const d of b.deletions) if (d.entry) entries.push({ ...d.entry, deleted: { by: d.by, at: d.at } });
    }
    try {
      let inserted = 0;
      for (let i = 0; i < entries.length; i += this.opts.insertBatch) inserted += await this.deps.archive.insert(entries.slice(i, i + this.opts.insertBatch));
      for (const b of batches) for (const d of b.deletions) if (!d.entry) await this.deps.archive.markDeleted(b.room, d.id, { by: d.by, at: d.at });
      if (inserted > 0) this.deps.events?.inserted?.(inserted);
    } catch (err) {
      // Nothing is advanced: every mark stays, and the next sweep inserts the same entries again.
      throw new ArchiveCallError(err);
    }
    // A fresh scan's rooms are all advanced, those with nothing read too (rescored, or unmarked when the mark was stale).
    const due = batches.filter((b) => fresh || b.upto !== null || b.deletionIds.length > 0);
    const moved = await backlog.advanceMany(shard, due);
    const advanced = await Promise.all(moved.map(async (r, i) => (r ?? (await backlog.advance(due[i]!.room, due[i]!.upto, due[i]!.deletionIds))).marked));
    return batches.some((b) => b.entries.length >= this.opts.entriesPerRoom) && advanced.some((marked) => marked);
  }

  /** The backlog cap: drops the oldest rooms' oldest entries unarchived until `excess` are gone. */
  private async drop(rooms: string[], excess: number): Promise<void> {
    let dropped = 0;
    for (const room of rooms) {
      if (dropped >= excess) break;
      const b = await this.deps.backlog.read(room, Math.min(5_000, excess - dropped));
      if (b.upto === null) continue;
      dropped += (await this.deps.backlog.advance(room, b.upto)).moved;
    }
    if (dropped > 0) {
      this.deps.events?.dropped?.(dropped);
      this.deps.logger.error({ dropped, backlogMax: this.opts.backlogMax }, "archive backlog over its cap: oldest unarchived entries dropped");
    }
  }
}
