/**
 * Where replicas leave their heartbeats, so one cheap read finds every replica of the cluster.
 * Implementations: in-memory (the embedded single process) and Redis (one hash on one slot for the
 * whole cluster); both run through one shared test suite (replica-registry.suite.ts).
 */
import type { ReplicaStats, RoomRate, RoomViewers } from "../protocol/index.js";

/** One replica's heartbeat: its stats, and what the cluster view sums over replicas. */
export interface ReplicaBeat extends ReplicaStats {
  /**
   * This replica's part of the cluster's room count: each of its rooms counts 1 / (replicas with
   * members there), so the sum over replicas counts every room once without listing rooms.
   */
  roomShare: number;
  /** Its busiest rooms by members on this replica, most first (bounded: `topRooms`). */
  topByLocalViewers: RoomViewers[];
  /** Its busiest rooms by messages it stored per second, most first (bounded). */
  topByMessages: RoomRate[];
}

/** A live beat as read back, with its age by the registry's clock. */
export interface StoredBeat {
  beat: ReplicaBeat;
  ageMs: number;
}

export interface ReplicaRegistry {
  /** Records `beat` (replacing the replica's previous one); it counts for `ttlMs` unless refreshed. */
  beat(beat: ReplicaBeat, ttlMs: number): Promise<void>;
  /** Removes the replica at once (a graceful stop). */
  leave(replicaId: string): Promise<void>;
  /** Every beat whose TTL has not run out, oldest replica first (by `startedAt`, then id). */
  list(): Promise<StoredBeat[]>;
  close(): Promise<void>;
}

/** Oldest replica first, so the view's rows keep their places from one poll to the next. */
export function byAge(a: StoredBeat, b: StoredBeat): number {
  return a.beat.startedAt - b.beat.startedAt || (a.beat.id < b.beat.id ? -1 : a.beat.id > b.beat.id ? 1 : 0);
}
