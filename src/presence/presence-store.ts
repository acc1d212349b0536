/**
 * Viewer counts over every replica. Each replica reports its own local count per room; a report
 * lives for `ttlMs`, so a crashed replica's viewers drop out of the totals once it stops reporting.
 * Implementations: in-memory (one process) and Redis (one hash per room on the room's shard).
 * Both run through one shared test suite (presence-store.suite.ts).
 */
export interface PresenceStore {
  /**
   * Records `replicaId`'s local counts for these rooms (0 removes it) and returns, per room, the
   * total over live replicas and whether it should be announced now: it changed since the last
   * announcement and none was made in the last `announceIntervalMs` (throttled over all replicas).
   */
  sync(replicaId: string, counts: ReadonlyMap<string, number>): Promise<Map<string, RoomTotal>>;
  /**
   * The latest totals of many rooms at once (the HTTP API's directory counts), as the replicas'
   * syncs last computed them; 0 for a room nobody reported within `ttlMs`. One read for them all.
   */
  totals(rooms: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export interface RoomTotal {
  total: number;
  /** Announce `total` to the room now. */
  announce: boolean;
  /** The total changed but was throttled: sync this room again soon. */
  pending: boolean;
  /** Replicas whose live report makes up `total` (the caller included while its count is above 0). */
  replicas: number;
}

export interface PresenceOptions {
  /**
   * How long one replica's report counts without a refresh. A crashed replica's viewers vanish
   * from the totals after at most this long.
   * @default 10000
   */
  ttlMs: number;
  /**
   * Minimum time between two announcements of one room's total, over all replicas.
   * @default 1000
   */
  announceIntervalMs: number;
}

export const defaultPresenceOptions: PresenceOptions = { ttlMs: 10_000, announceIntervalMs: 1_000 };
