import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The server's Prometheus metrics, on a registry of its own (no prom-client global), so two
 * servers in one test process do not share counters.
 */
export interface ChatMetrics {
  registry: Registry;
  /** Values read at scrape time, set by whoever owns them. */
  sources: { rooms: () => number };
  connections: Gauge;
  rooms: Gauge;
  joins: Counter;
  received: Counter<"event">;
  broadcast: Counter<"event">;
  rejected: Counter<"event" | "code">;
  storeLatency: Histogram<"op">;
  publishLatency: Histogram;
  redisErrors: Counter<"client">;
  redisReconnects: Counter<"client">;
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
  const sources = { rooms: () => 0 };
  return {
    registry,
    sources,
    connections: new Gauge({ name: `${prefix}connections`, help: "Connected Socket.IO clients", registers }),
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
  };
}
