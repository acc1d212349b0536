import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The server's Prometheus metrics, on a registry of its own (no prom-client global), so two
 * servers in one test process do not share counters.
 */
export interface ChatMetrics {
  registry: Registry;
  /** Values read at scrape time, set by whoever owns them (no bookkeeping per connection or join). */
  sources: { rooms: () => number; connections: () => number };
  connections: Gauge;
  rooms: Gauge;
  joins: Counter;
  received: Counter<"event">;
  broadcast: Counter<"event">;
  rejected: Counter<"event" | "code">;
  storeLatency: Histogram<"op">;
  publishLatency: Histogram;
  /** Publishes that failed: `adapter` (room events of the Socket.IO adapter) or `entries` (stored messages). */
  publishErrors: Counter<"path">;
  /** WAIT for the shard's replica after a write. */
  replicationWait: Histogram;
  /** Writes the replica did not confirm: `refused` (acked unavailable) or `degraded` (no replica left). */
  replicationShortfalls: Counter<"outcome">;
  /** Messages per store call (per-room send batching). */
  sendBatchSize: Histogram;
  /** Packets written to room members: `message` (one v1 entry) or `batch`. */
  deliveries: Counter<"kind">;
  /** Members written a room's shared WebSocket frame, by encoding: `plain` or `deflated` (permessage-deflate). */
  sharedFrames: Counter<"encoding">;
  redisErrors: Counter<"client">;
  redisReconnects: Counter<"client">;
  /** Server HTTP API requests, by route (the router's path, or `unmatched`) and status. */
  apiRequests: Counter<"route" | "status">;
  /** Connections closed because more than MAX_CLIENT_QUEUE_BYTES waited for them. */
  slowConsumers: Counter;
  /** Sharded subscriptions repaired: `missing`, `stray` (watchdog), `probe_lost` (a join's probe). */
  subscriptionRepairs: Counter<"kind">;
  /** Write-behind (issue #20): seconds since the oldest unarchived entry among the shards this replica sweeps. */
  archiveLag: Gauge;
  /** Write-behind: entries not archived yet in the shards this replica sweeps, as its last sweep counted them. */
  archiveBacklog: Gauge;
  /** Write-behind: entries newly archived. */
  archiveInserted: Counter;
  /** Write-behind: archive calls that failed (the sweeper backs off; nothing is lost). */
  archiveFailures: Counter;
  /** Write-behind: entries dropped unarchived by ARCHIVE_BACKLOG_MAX. */
  archiveDropped: Counter;
}

export interface MetricsOptions {
  /** Also collect process and Node.js metrics (event-loop lag, heap, GC). @default true */
  defaultMetrics: boolean;
  /** @default "chat_" */
  prefix: string;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(options: Partial<MetricsOptions> = {}): ChatMetrics {
  const { defaultMetrics = true, prefix = "chat_" } = options;
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const registers = [registry];
  const sources = { rooms: () => 0, connections: () => 0 };
  const metrics: ChatMetrics = {
    registry,
    sources,
    connections: new Gauge({
      name: `${prefix}connections`,
      help: "Connected Socket.IO clients",
      registers,
      collect() {
        this.set(sources.connections());
      },
    }),
    rooms: new Gauge({
      name: `${prefix}rooms`,
      help: "Rooms with at least one local member",
      registers,
      collect() {
        this.set(sources.rooms());
      },
    }),
    joins: new Counter({ name: `${prefix}joins_total`, help: "Successful room joins", registers }),
    received: new Counter({
      name: `${prefix}messages_received_total`,
      help: "Client events received with an ack, by event",
      labelNames: ["event"],
      registers,
    }),
    broadcast: new Counter({
      name: `${prefix}messages_broadcast_total`,
      help: "Messages stored and broadcast to a room, by event",
      labelNames: ["event"],
      registers,
    }),
    rejected: new Counter({
      name: `${prefix}messages_rejected_total`,
      help: "Client events answered with an error ack (or dropped: no_ack), by event and code",
      labelNames: ["event", "code"],
      registers,
    }),
    storeLatency: new Histogram({
      name: `${prefix}store_latency_seconds`,
      help: "Message store call latency, by operation",
      labelNames: ["op"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    publishLatency: new Histogram({
      name: `${prefix}publish_latency_seconds`,
      help: "Adapter publish (SPUBLISH) latency",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    publishErrors: new Counter({
      name: `${prefix}publish_errors_total`,
      help: "Failed publishes (other replicas missed the event or, for entries, until the room's next publish), by path",
      labelNames: ["path"],
      registers,
    }),
    replicationWait: new Histogram({
      name: `${prefix}replication_wait_seconds`,
      help: "WAIT for the shard's replica after a confirmed write",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    replicationShortfalls: new Counter({
      name: `${prefix}replication_shortfalls_total`,
      help: "Writes the replica did not confirm in time, by outcome (refused: acked unavailable; degraded: no replica left, acked)",
      labelNames: ["outcome"],
      registers,
    }),
    sendBatchSize: new Histogram({
      name: `${prefix}send_batch_size`,
      help: "Messages stored and published together (one room, one replica, one tick)",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    }),
    deliveries: new Counter({
      name: `${prefix}deliveries_total`,
      help: "Packets written to room members, by kind (message: one protocol v1 event; batch: one chat:batch)",
      labelNames: ["kind"],
      registers,
    }),
    sharedFrames: new Counter({
      name: `${prefix}shared_frames_total`,
      help: "Members written a room's shared WebSocket frame (built once per room and delivery), by encoding: plain or deflated",
      labelNames: ["encoding"],
      registers,
    }),
    redisErrors: new Counter({
      name: `${prefix}redis_errors_total`,
      help: "Redis client errors, by client",
      labelNames: ["client"],
      registers,
    }),
    redisReconnects: new Counter({
      name: `${prefix}redis_reconnects_total`,
      help: "Redis client reconnect attempts, by client",
      labelNames: ["client"],
      registers,
    }),
    apiRequests: new Counter({
      name: `${prefix}api_requests_total`,
      help: "Server HTTP API requests, by route and status",
      labelNames: ["route", "status"],
      registers,
    }),
    slowConsumers: new Counter({
      name: `${prefix}slow_consumers_total`,
      help: "Connections closed as slow consumers (more than MAX_CLIENT_QUEUE_BYTES queued for them)",
      registers,
    }),
    subscriptionRepairs: new Counter({
      name: `${prefix}subscription_repairs_total`,
      help: "Room channel subscriptions repaired, by kind (missing: local members but Redis did not deliver, re-subscribed; stray: subscribed without local members, unsubscribed; probe_lost: a join's probe did not come back, re-subscribed)",
      labelNames: ["kind"],
      registers,
    }),
    archiveLag: new Gauge({
      name: `${prefix}archive_lag_seconds`,
      help: "Seconds since the oldest entry not yet archived, among the Redis shards this replica sweeps (0: caught up or not sweeping)",
      registers,
    }),
    archiveBacklog: new Gauge({
      name: `${prefix}archive_backlog`,
      help: "Entries stored in Redis and not yet archived, in the shards this replica sweeps",
      registers,
    }),
    archiveInserted: new Counter({ name: `${prefix}archive_inserted_total`, help: "Entries the write-behind archived (new ones; re-archived copies are not counted)", registers }),
    archiveFailures: new Counter({ name: `${prefix}archive_failures_total`, help: "Archive inserts that failed (database down or slow); the entries stay in Redis and are retried", registers }),
    archiveDropped: new Counter({
      name: `${prefix}archive_dropped_total`,
      help: "Entries dropped without being archived because a shard's backlog passed ARCHIVE_BACKLOG_MAX",
      registers,
    }),
  };
  // The failure counters' series exist at 0 from the start: a series that first appears with its
  // first failure hides that failure from increase() (the alerts in deploy/prometheus/), and a
  // dashboard would show "no data" instead of 0.
  for (const path of ["adapter", "entries", "notices"]) metrics.publishErrors.inc({ path }, 0);
  for (const outcome of ["refused", "degraded"]) metrics.replicationShortfalls.inc({ outcome }, 0);
  for (const client of ["pub", "sub", "writer"]) {
    metrics.redisErrors.inc({ client }, 0);
    metrics.redisReconnects.inc({ client }, 0);
  }
  return metrics;
}
