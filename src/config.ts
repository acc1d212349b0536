/**
 * Configuration from the environment: the one place that reads `process.env`. Every variable is
 * validated at startup; a bad one stops the process with an error naming it. An unset variable
 * takes the default of the option it sets, written once, where that option is (the server's options,
 * the store's, ...); only the process's own settings (port, host, log level, shutdown) are set here.
 */
import { resolve } from "node:path";
import { defaultApiOptions } from "./api/api-router.js";
import { defaultAbuseControlOptions } from "./chat/abuse-control.js";
import { redactRedisUrl, type RedisConfig } from "./redis/redis-config.js";
import { defaultRoomSubscriptionsOptions } from "./adapter/room-subscriptions.js";
import { defaultWatchdogOptions } from "./adapter/subscription-watchdog.js";
import { CLUSTER_NAME_PATTERN, defaultOpsOptions } from "./ops/ops-options.js";
import { defaultReplicatedWritesOptions } from "./redis/replicated-writes.js";
import { defaultChatServerOptions as server } from "./server/server-options.js";
import { defaultMemoryLimits, defaultMessageStoreOptions as store } from "./store/message-store.js";
import { redactUrl } from "./util/redact-url.js";
import { defaultWriteBehindOptions } from "./archive/write-behind/write-behind-options.js";

export interface Config {
  port: number;
  host: string;
  /** Serve /metrics only on this port (not through the load balancer); undefined: on `port`. */
  metricsPort: number | undefined;
  production: boolean;
  authSecret: string | undefined;
  /** Longest token lifetime accepted (`exp` required). */
  tokenMaxTtlSec: number;
  historySize: number;
  historyTtlSec: number;
  messageMaxLength: number;
  logLevel: string;
  /** Undefined: the embedded default (in-memory adapter and history). */
  redis: RedisConfig | undefined;
  /**
   * DATABASE_URL: the PostgreSQL archive (scaled mode). Undefined: the embedded archive file in
   * `dataDir` when Redis is not configured either. Never logged whole (see {@link redactUrl}).
   */
  databaseUrl: string | undefined;
  /** DATA_DIR as an absolute path: where the embedded mode keeps its files (the archive). */
  dataDir: string;
  /**
   * ARCHIVE=off: the embedded mode keeps no archive file (history in memory only, lost on
   * restart, as before issue #20), e.g. for a throwaway demo or a read-only disk. @default true
   */
  archive: boolean;
  /** Days the archive keeps an entry; 0 = forever. */
  archiveRetentionDays: number;
  /**
   * ARCHIVE_BACKLOG_MAX: most unarchived entries a Redis shard keeps while the database is down
   * or behind; past it the oldest are dropped unarchived (chat_archive_dropped_total).
   */
  archiveBacklogMax: number;
  ratePerSec: number;
  rateBurst: number;
  /** Messages per second over all connections of one client IP on a replica. */
  ratePerIpPerSec: number;
  /** Messages per second over all connections of one user (token or session) on a replica. */
  ratePerUserPerSec: number;
  /** How long a client disconnected for flooding is refused, by IP and by user. */
  floodPenaltySec: number;
  maxRoomsPerSocket: number;
  maxHttpBufferSize: number;
  maxConnectionsPerIp: number;
  corsOrigins: string[] | undefined;
  shutdownTimeoutMs: number;
  drainDelayMs: number;
  trustProxy: boolean;
  writeCoalescingMs: number;
  /** Bytes that may wait for one client before it is closed as a slow consumer. */
  maxClientQueueBytes: number;
  batchTickMs: number;
  batchMaxTickMs: number;
  /** How long an emptied room keeps its sharded subscription (spares flapping rooms the churn). */
  roomSubscriptionGraceMs: number;
  /** Time between two checks of this replica's subscriptions against Redis; 0 = off. */
  subscriptionWatchdogMs: number;
  /** Only rooms a streamer or the site opened accept viewers' messages. */
  requireOpenRooms: boolean;
  /** Embedded mode only: rooms kept in memory (the room idle longest is dropped past it). */
  embeddedMaxRooms: number;
  /** Replicas that must confirm a send before its ok ack; "auto": 1 on a cluster, 0 standalone. */
  ackReplicas: number | "auto";
  ackTimeoutMs: number;
  /** WebSocket implementation under engine.io: this server's lean one, or `ws`. */
  wsEngine: "lean" | "ws";
  wsDeflate: boolean;
  /** Server HTTP API keys; empty = the API is off. */
  apiKeys: string[];
  apiRatePerSec: number;
  apiRateBurst: number;
  /** Names this deployment in the cluster view (/ops); replicas with one name on one Redis are one view. */
  clusterName: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return def;
  if (["1", "true", "yes"].includes(raw)) return true;
  if (["0", "false", "no"].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

function ackReplicas(env: Env): number | "auto" {
  const raw = env.ACK_REPLICAS?.trim().toLowerCase();
  if (raw === undefined || raw === "" || raw === "auto") return "auto";
  if (!/^\d+$/.test(raw)) throw new ConfigError("ACK_REPLICAS", `must be "auto" or a whole number from 0 to 5, got "${env.ACK_REPLICAS}"`);
  return int(env, "ACK_REPLICAS", 0, 0, 5);
}

function wsEngine(env: Env): "lean" | "ws" {
  const raw = env.WS_ENGINE?.trim().toLowerCase();
  if (raw === undefined || raw === "") return server.wsEngine;
  if (raw === "lean") return "lean";
  if (raw === "ws") return "ws";
  throw new ConfigError("WS_ENGINE", `must be "lean" or "ws", got "${env.WS_ENGINE}"`);
}

/** API keys: comma-separated, each 16-256 visible ASCII characters (no commas), so none is guessable by size. */
function apiKeys(env: Env): string[] {
  const raw = env.API_KEYS?.trim();
  if (!raw) return [];
  const keys = raw.split(",").map((k) => k.trim());
  for (const [i, key] of keys.entries()) {
    if (!/^[\x21-\x2b\x2d-\x7e]{16,256}$/.test(key)) {
      throw new ConfigError("API_KEYS", `key ${i + 1} must be 16-256 visible ASCII characters without commas or spaces`);
    }
  }
  return keys;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function redisConfig(env: Env): RedisConfig | undefined {
  const nodes = env.REDIS_CLUSTER_NODES?.trim();
  const password = env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {};
  const url = env.REDIS_URL?.trim();
  if (nodes && url) {
    throw new ConfigError("REDIS_URL", "set either REDIS_URL or REDIS_CLUSTER_NODES, not both");
  }
  if (nodes) {
    const urls = nodes.split(",").map((n) => n.trim());
    for (const n of urls) {
      if (!/^[A-Za-z0-9.\-_]+:\d{1,5}$/.test(n)) {
        throw new ConfigError("REDIS_CLUSTER_NODES", `expected host:port[,host:port...], got "${n}"`);
      }
    }
    return { mode: "cluster", urls: urls.map((n) => `redis://${n}`), ...password };
  }
  if (url) {
    if (!/^rediss?:\/\//.test(url)) throw new ConfigError("REDIS_URL", `expected redis://host:port, got "${redactRedisUrl(url)}"`);
    return { mode: "standalone", urls: [url], ...password };
  }
  return undefined;
}

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("DATABASE_URL", `expected postgres://user:password@host:port/database, got "${redactUrl(raw)}"`);
  }
  if (!["postgres:", "postgresql:"].includes(url.protocol) || !url.hostname) {
    throw new ConfigError("DATABASE_URL", `expected postgres://user:password@host:port/database, got "${redactUrl(raw)}"`);
  }
  return raw;
}

function dataDir(env: Env): string {
  const raw = env.DATA_DIR?.trim() || "./data";
  if (raw.includes("\0")) throw new ConfigError("DATA_DIR", "must be a path");
  return resolve(raw);
}

function archiveSwitch(env: Env): boolean {
  const raw = env.ARCHIVE?.trim().toLowerCase() || "on";
  if (raw !== "on" && raw !== "off") throw new ConfigError("ARCHIVE", `must be on or off, got "${env.ARCHIVE}"`);
  return raw === "on";
}

function clusterName(env: Env): string {
  const raw = env.CLUSTER_NAME?.trim();
  if (!raw) return defaultOpsOptions.cluster;
  if (!CLUSTER_NAME_PATTERN.test(raw)) throw new ConfigError("CLUSTER_NAME", `must be 1-64 letters, digits, _ or -, got "${env.CLUSTER_NAME}"`);
  return raw;
}

/** Reads and validates the configuration; throws {@link ConfigError} naming the bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === "production";
  const authSecret = env.AUTH_SECRET || undefined;
  if (production && !authSecret) {
    throw new ConfigError("AUTH_SECRET", "is required when NODE_ENV=production");
  }
  if (authSecret !== undefined && authSecret.length < 16) {
    throw new ConfigError("AUTH_SECRET", "must be at least 16 characters");
  }
  const logLevel = env.LOG_LEVEL?.trim() || "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const cors = env.CORS_ORIGINS?.trim();
  return {
    port: int(env, "PORT", 3000, 0, 65535),
    metricsPort: env.METRICS_PORT?.trim() ? int(env, "METRICS_PORT", 0, 0, 65535) : undefined,
    host: env.HOST?.trim() || "0.0.0.0",
    production,
    authSecret,
    tokenMaxTtlSec: int(env, "TOKEN_MAX_TTL_SEC", server.tokenMaxTtlSec, 60, 365 * 86_400),
    historySize: int(env, "HISTORY_SIZE", store.historySize, 1, 100_000),
    historyTtlSec: int(env, "HISTORY_TTL", store.historyTtlSec, 1, 365 * 86_400),
    messageMaxLength: int(env, "MESSAGE_MAX_LENGTH", server.messageMaxLength, 1, 100_000),
    logLevel,
    redis: redisConfig(env),
    databaseUrl: databaseUrl(env),
    dataDir: dataDir(env),
    archive: archiveSwitch(env),
    archiveRetentionDays: int(env, "ARCHIVE_RETENTION_DAYS", 0, 0, 36_500),
    archiveBacklogMax: int(env, "ARCHIVE_BACKLOG_MAX", defaultWriteBehindOptions.backlogMax, 1_000, 1_000_000_000),
    ratePerSec: int(env, "RATE_LIMIT_PER_SEC", server.ratePerSec, 1, 100_000),
    rateBurst: int(env, "RATE_LIMIT_BURST", server.rateBurst, 1, 100_000),
    ratePerIpPerSec: int(env, "RATE_LIMIT_PER_IP_PER_SEC", defaultAbuseControlOptions.perIpPerSec, 1, 1_000_000),
    ratePerUserPerSec: int(env, "RATE_LIMIT_PER_USER_PER_SEC", defaultAbuseControlOptions.perUserPerSec, 1, 1_000_000),
    floodPenaltySec: int(env, "FLOOD_PENALTY_SEC", defaultAbuseControlOptions.penaltyMs / 1000, 0, 86_400),
    maxRoomsPerSocket: int(env, "MAX_ROOMS_PER_SOCKET", server.maxRoomsPerSocket, 1, 10_000),
    maxHttpBufferSize: int(env, "MAX_HTTP_BUFFER_SIZE", server.maxHttpBufferSize, 1_024, 100_000_000),
    maxConnectionsPerIp: int(env, "MAX_CONNECTIONS_PER_IP", server.maxConnectionsPerIp, 1, 1_000_000),
    corsOrigins: cors ? cors.split(",").map((o) => o.trim()) : undefined,
    shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    drainDelayMs: int(env, "DRAIN_DELAY_MS", 2_000, 0, 600_000),
    trustProxy: bool(env, "TRUST_PROXY", server.trustProxy),
    writeCoalescingMs: int(env, "WRITE_COALESCING_MS", server.writeCoalescingMs, 0, 1_000),
    maxClientQueueBytes: int(env, "MAX_CLIENT_QUEUE_BYTES", server.maxClientQueueBytes, 65_536, 1_073_741_824),
    batchTickMs: int(env, "BATCH_TICK_MS", server.batchTickMs, 0, 1_000),
    batchMaxTickMs: int(env, "BATCH_MAX_TICK_MS", server.batchMaxTickMs, 0, 1_000),
    roomSubscriptionGraceMs: int(env, "ROOM_SUBSCRIPTION_GRACE_MS", defaultRoomSubscriptionsOptions.graceMs, 0, 3_600_000),
    subscriptionWatchdogMs: int(env, "SUBSCRIPTION_WATCHDOG_MS", defaultWatchdogOptions.intervalMs, 0, 3_600_000),
    embeddedMaxRooms: int(env, "EMBEDDED_MAX_ROOMS", defaultMemoryLimits.maxRooms, 1, 10_000_000),
    requireOpenRooms: bool(env, "REQUIRE_OPEN_ROOMS", store.requireOpenRooms),
    ackReplicas: ackReplicas(env),
    ackTimeoutMs: int(env, "ACK_TIMEOUT_MS", defaultReplicatedWritesOptions.timeoutMs, 10, 60_000),
    wsEngine: wsEngine(env),
    wsDeflate: bool(env, "WS_DEFLATE", server.wsDeflate),
    apiKeys: apiKeys(env),
    apiRatePerSec: int(env, "API_RATE_LIMIT_PER_SEC", defaultApiOptions.ratePerSec, 1, 100_000),
    apiRateBurst: int(env, "API_RATE_LIMIT_BURST", defaultApiOptions.rateBurst, 1, 100_000),
    clusterName: clusterName(env),
  };
}
