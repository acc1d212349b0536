/**
 * What createChatServer is given: options, each with its documented default, and dependencies.
 * The defaults are the components' own (rate limits from chat/, write coalescing from engine/, ...),
 * gathered here once; the environment's defaults (src/config.ts) are these.
 */
import type { Logger } from "pino";
import type { ServerOptions } from "socket.io";
import type { ApiOptions } from "../api/api-router.js";
import { DEFAULT_TOKEN_MAX_TTL_SEC } from "../auth/token.js";
import type { AbuseControlOptions } from "../chat/abuse-control.js";
import type { FloodOptions } from "../chat/ack-handler.js";
import { defaultChatLimits } from "../chat/chat-deps.js";
import { defaultRateOptions } from "../chat/connection.js";
import { defaultSendBatcherOptions } from "../delivery/send-batcher.js";
import { defaultClientQueueLimitOptions } from "../engine/client-queue-limit.js";
import { defaultWriteCoalescingOptions } from "../engine/write-coalescing.js";
import { defaultConnectionLimiterOptions } from "../http/connection-limiter.js";
import type { ViewerCountsOptions } from "../presence/viewer-counts.js";
import type { EntryBus } from "../delivery/entry-bus.js";
import type { NoticeBus } from "../delivery/notice-bus.js";
import type { ModerationOptions } from "../moderation/moderation-kit.js";
import type { ModerationLog } from "../store/moderation-log.js";
import type { ModerationStore } from "../store/moderation-store.js";
import type { ChatMetrics } from "../observability/metrics.js";
import type { PresenceStore } from "../presence/presence-store.js";
import type { MessageStore } from "../store/message-store.js";
import type { MessageArchive } from "../archive/message-archive.js";
import type { OpsOptions } from "../ops/ops-options.js";
import type { ReplicaRegistry } from "../ops/replica-registry.js";

export interface ChatServerOptions {
  /** HS256 secret for tokens; without it only anonymous viewers can connect. @default undefined */
  authSecret: string | undefined;
  /** Tokens without `exp`, or whose `exp` is further away than this, are refused. @default 86400 */
  tokenMaxTtlSec: number;
  /** Characters (code points) per message. @default 500 */
  messageMaxLength: number;
  /** Rooms one connection may be in. @default 20 */
  maxRoomsPerSocket: number;
  /** Messages (chat:send + notice:send) per second per connection. @default 5 */
  ratePerSec: number;
  /** Messages a connection may send in a burst. @default 10 */
  rateBurst: number;
  /** When a rate-limited client is disconnected as a flood. @default 50 refusals per 10 s */
  flood: FloodOptions;
  /** Rates across one IP's and one user's connections, and the flood penalty. @default {} (AbuseControl defaults: 60/s per IP, 10/s per user, 60 s) */
  abuse: Partial<AbuseControlOptions>;
  /** Largest Socket.IO packet a client may send, in bytes. @default 16384 */
  maxHttpBufferSize: number;
  /** Concurrent connections per client IP. @default 200 */
  maxConnectionsPerIp: number;
  /** Take the client IP from X-Forwarded-For (set by our load balancer). @default false */
  trustProxy: boolean;
  /**
   * Browser origins allowed to connect besides the server's own (CORS for long-polling, and the
   * `Origin` of every handshake and WebSocket upgrade); undefined allows same-origin only. Requests
   * without an `Origin` (non-browser clients) are allowed.
   */
  corsOrigins: string[] | undefined;
  /** Bytes that may wait for one client before it is closed as a slow consumer. @default 1048576 */
  maxClientQueueBytes: number;

  /** @default {} (ViewerCounts defaults) */
  viewerCounts: Partial<ViewerCountsOptions>;
  /**
   * Everything a connection is sent within this many ms leaves in one socket write (hot rooms:
   * one syscall per viewer per tick instead of per message). Adds up to this much latency to
   * every packet. 0 turns it off.
   * @default 20
   */
  writeCoalescingMs: number;
  /**
   * Messages this replica accepts for one room within this many ms are stored and published as one
   * unit and reach batch-capable viewers as one packet (leading edge: a room quiet for a tick pays
   * nothing). The receiving side uses the same tick: what every replica publishes into a busy room
   * within it is written to this replica's members as one delivery. 0 stores and writes each at once.
   * @default 25
   */
  batchTickMs: number;
  /**
   * Longest tick a big, busy room grows to: a room's tick is 1 ms per 100 viewers (cluster-wide),
   * between `batchTickMs` and this (src/delivery/send-batcher.ts), so each viewer gets at most
   * 1000 / tick batches a second from each sending replica. Costs up to this much latency in such
   * rooms. Set it to `batchTickMs` to keep every room at `batchTickMs`.
   * @default 100
   */
  batchMaxTickMs: number;
  /**
   * The WebSocket implementation under engine.io: `lean` (src/engine/websocket/, about 1.5 KB less heap
   * per connection) or `ws` (engine.io's default).
   * @default "lean"
   */
  wsEngine: "lean" | "ws";
  /**
   * With the lean engine: accept permessage-deflate offers without context takeover, and send a
   * room's frames compressed once per room and delivery to every viewer that accepted
   * (src/engine/shared-frame.ts). No compressor per connection. Ignored with `ws`.
   * @default true
   */
  wsDeflate: boolean;
  /**
   * The server HTTP API under /api/v1 (keys, rate per key, limits); its message length is
   * `messageMaxLength`. @default {} (no keys: the API is off)
   */
  api: Partial<Omit<ApiOptions, "messageMaxLength">>;
  /** This replica's heartbeat and the cluster view (`/ops`, GET /api/v1/cluster). @default {} (OpsOptions defaults) */
  ops: Partial<OpsOptions>;
  /** The moderation team's timers and caches (held messages, waiting senders, term lists). @default {} (their defaults) */
  moderation: Partial<ModerationOptions>;
}

export const defaultChatServerOptions: ChatServerOptions = {
  authSecret: undefined,
  tokenMaxTtlSec: DEFAULT_TOKEN_MAX_TTL_SEC,
  messageMaxLength: defaultChatLimits.messageMaxLength,
  maxRoomsPerSocket: defaultChatLimits.maxRoomsPerSocket,
  ratePerSec: defaultRateOptions.ratePerSec,
  rateBurst: defaultRateOptions.rateBurst,
  flood: defaultRateOptions.flood,
  abuse: {},
  maxHttpBufferSize: 16_384,
  maxConnectionsPerIp: defaultConnectionLimiterOptions.maxPerIp,
  trustProxy: defaultConnectionLimiterOptions.trustProxy,
  corsOrigins: undefined,
  maxClientQueueBytes: defaultClientQueueLimitOptions.maxBytes,
  viewerCounts: {},
  writeCoalescingMs: defaultWriteCoalescingOptions.tickMs,
  batchTickMs: defaultSendBatcherOptions.tickMs,
  batchMaxTickMs: defaultSendBatcherOptions.maxTickMs,
  wsEngine: "lean",
  wsDeflate: true,
  api: {},
  ops: {},
  moderation: {},
};

export interface ChatServerDeps {
  logger: Logger;
  store: MessageStore;
  /** Where the store's published entries arrive (from Redis through the adapter, or from the in-memory store). */
  bus: EntryBus;
  /** Where the store's moderation notices arrive (the same two ways). */
  notices: NoticeBus;
  /** The rooms' moderators, blocked terms and reports (and the site's terms). */
  team: ModerationStore;
  /** The moderation log. */
  moderationLog: ModerationLog;
  presence: PresenceStore;
  /** Identifies this replica in presence reports. */
  replicaId: string;
  /** Socket.IO adapter constructor. @default ChatMemoryAdapter (embedded, one process) */
  adapter?: ServerOptions["adapter"];
  /** @default undefined: no metrics, no /metrics */
  metrics?: ChatMetrics;
  /** Serve /metrics on the main port (false: the runtime serves it on METRICS_PORT). @default true */
  metricsOnMainPort?: boolean;
  /** Whether the backends are reachable (Redis pinged and subscribed). @default always true */
  backendReady?: () => Promise<boolean>;
  /** Where the replicas' heartbeats meet (Redis: every replica of the cluster). @default in memory (this process alone) */
  replicas?: ReplicaRegistry;
  /**
   * The durable archive (issue #20): older history, replay, export, erasure read it; the runtime
   * writes it behind the store. @default none: history is the hot window alone
   */
  archive?: MessageArchive;
}

export interface DrainOptions {
  /** Time for the load balancer to see /readyz fail before clients are moved (the runtime passes DRAIN_DELAY_MS). @default 0 */
  delayMs: number;
  /** Disconnects are spread over this long, so other replicas are not hit all at once. @default 0 (at once) */
  spreadMs: number;
}
