import { withDeadline } from "../util/with-deadline.js";
import type { RedisCommands } from "../redis/redis-clients.js";
import { READ_TOTALS, RECORD_TOTALS, SYNC } from "./presence-lua.js";
import { type PresenceOptions, type PresenceStore, type RoomTotal, defaultPresenceOptions } from "./presence-store.js";

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
        )) as [number, number, number, number];
        const total: RoomTotal = { total: Number(res[0]), announce: Number(res[1]) === 1, pending: Number(res[2]) === 1, replicas: Number(res[3] ?? 1) };
        return [room, total] as const;
      }),
    );
    const totals = new Map(entries);
    const pairs = [...totals].flatMap(([room, t]) => [room, t.total]);
    // The rooms' announcements are decided already (their hashes moved on): a failed directory
    // write must not lose them. The next sync (a heartbeat at the latest) writes the totals again.
    await this.deadline(RECORD_TOTALS.run(this.redis, this.directoryKeys(), [this.opts.ttlMs, ...pairs])).catch(() => undefined);
    return totals;
  }

  async totals(rooms: readonly string[]): Promise<Map<string, number>> {
    if (rooms.length === 0) return new Map();
    const counts = (await this.deadline(READ_TOTALS.run(this.redis, this.directoryKeys().slice(0, 1), [...rooms]))) as number[];
    return new Map(rooms.map((room, i) => [room, Number(counts[i] ?? 0)]));
  }

  private directoryKeys(): string[] {
    return [`${this.opts.keyPrefix}:{viewers}`, `${this.opts.keyPrefix}:{viewers}:scan`];
  }

  private deadline<T>(promise: Promise<T>): Promise<T> {
    return withDeadline(promise, this.opts.commandTimeoutMs, () => new Error("presence command timed out"));
  }

  async close(): Promise<void> {
    // The Redis client belongs to the runtime.
  }
}
