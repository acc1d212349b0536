/**
 * `GET /api/v1/cluster` (docs/api.md): the cluster as one chat, from the heartbeat every replica
 * writes (src/ops/). Typed once here for the server, the `/ops` page and the tests.
 */

/** One room and its viewers over every replica (presence totals). */
export interface RoomViewers {
  room: string;
  viewers: number;
}

/** One room and the messages stored for it per second. */
export interface RoomRate {
  room: string;
  messagesPerSec: number;
}

/** Replication shortfalls: writes the shard's replica did not confirm in time. */
export interface Shortfalls {
  /** The send was acked `unavailable` (the client retries). */
  refused: number;
  /** Accepted with one copy: the shard had no replica left. */
  degraded: number;
}

/** The figures of one replica, and of the cluster (the replicas up, added together). */
export interface Figures {
  /** Socket.IO connections. */
  connections: number;
  /** Rooms with at least one member (in the cluster's totals: on any replica, each counted once). */
  rooms: number;
  /** Messages accepted and stored (chat, questions, notices, system posts), per second over the last beat. */
  messagesPerSec: number;
  /** Packets written to room members (a v1 message or a batch each), per second over the last beat. */
  deliveriesPerSec: number;
  /** Connections closed as slow consumers within the window (`windowSec`). */
  slowConsumers: number;
  /** Replication shortfalls within the window. */
  shortfalls: Shortfalls;
}

/** What one replica reports about itself in each heartbeat. */
export interface ReplicaStats extends Figures {
  /** The replica id (hostname-pid-random), as in its logs. */
  id: string;
  /** Where it listens (`host:port`; the hostname when it binds every interface). */
  address: string;
  /** Process start, ms since the epoch. */
  startedAt: number;
  /** The server's package version and Node's, e.g. `0.1.0 (node v20.19.0)`. */
  version: string;
  /** Time between two of its beats, ms. */
  beatMs: number;
  /** Event-loop delay over its last beat, ms. */
  eventLoopLagMs: { p99: number; max: number };
}

/**
 * A replica as the cluster view shows it. `up`: it beat within two of its beat intervals; `late`:
 * it missed beats (stopped, frozen or cut off) and drops out of the view when its last beat's TTL
 * runs out.
 */
export interface ReplicaView extends ReplicaStats {
  state: "up" | "late";
  /** Time since its last beat, ms (by Redis's clock, so replicas' clocks need not agree). */
  ageMs: number;
}

/** The replicas `up`, added together (a late one may be gone, its clients reconnected elsewhere). */
export interface ClusterTotals extends Figures {
  /** Replicas `up` (late ones are listed, not counted). */
  replicasUp: number;
}

export interface ClusterView {
  /** `CLUSTER_NAME`: replicas with the same name on one Redis form this view. */
  cluster: string;
  /** When this view was read, ms since the epoch (the answering replica's clock). */
  at: number;
  /** The window of `slowConsumers` and `shortfalls`, seconds. */
  windowSec: number;
  /** Every replica with a live beat, oldest first. */
  replicas: ReplicaView[];
  totals: ClusterTotals;
  /** The busiest rooms: by viewers over every replica, and by messages per second. */
  topRooms: { byViewers: RoomViewers[]; byMessages: RoomRate[] };
}
