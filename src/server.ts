import { createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express } from "express";
import type { Logger } from "pino";
import { Server, type ServerOptions } from "socket.io";
import { ChatMemoryAdapter } from "./adapter/memory-adapter.js";
import type { SubscriptionAware } from "./adapter/sharded-adapter.js";
import { ErrorCode, ProtocolError } from "./protocol/index.js";
import { withDeadline } from "./util/with-deadline.js";
import { handshakeMiddleware } from "./auth/handshake.js";
import { DEFAULT_TOKEN_MAX_TTL_SEC } from "./auth/token.js";
import { defaultFloodOptions, type FloodOptions } from "./chat/ack-handler.js";
import { AbuseControl, type AbuseControlOptions } from "./chat/abuse-control.js";
import { ClientQueueLimit, type QueuedConnection } from "./http/client-queue-limit.js";
import { originAllowed } from "./http/origin-check.js";
import { connectionSetup } from "./chat/connection.js";
import type { ChatDeps, ChatIo } from "./chat/types.js";
import type { EntryBus } from "./delivery/entry-bus.js";
import { RoomFeed } from "./delivery/room-feed.js";
import { SendBatcher } from "./delivery/send-batcher.js";
import { API_BASE, createApiRouter, type ApiOptions } from "./api/api-router.js";
import { createHttpApp } from "./http/app.js";
import { ConnectionLimiter } from "./http/connection-limiter.js";
import { LeanConnections } from "./http/lean-connections.js";
import { leanParser } from "./http/lean-parser.js";
import { WriteCoalescer, type EngineConnection } from "./http/write-coalescing.js";
import type { ChatMetrics } from "./observability/metrics.js";
import type { PresenceStore } from "./presence/presence-store.js";
import { ViewerCounts, type ViewerCountsOptions } from "./presence/viewer-counts.js";
import { ReplicaCommands } from "./rooms/replica-commands.js";
import { RoomService } from "./rooms/room-service.js";
import type { MessageStore } from "./store/message-store.js";
import { timedMessageStore } from "./store/timed-message-store.js";
import { LeanWebSocketServer } from "./websocket/lean-websocket-server.js";

export interface ChatServerOptions {
  /** HS256 secret for tokens; without it only anonymous viewers can connect. @default undefined */
  authSecret: string | undefined;
  /** Tokens without `exp`, or whose `exp` is further away than this, are refused. @default 86400 */
  tokenMaxTtlSec: number;
  /** @default 500 */
  messageMaxLength: number;
  /** @default 20 */
  maxRoomsPerSocket: number;
  /** @default 5 */
  ratePerSec: number;
  /** @default 10 */
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
   * nothing). 0 stores each at once.
   * @default 25
   */
  batchTickMs: number;
  /**
   * The WebSocket implementation under engine.io: `lean` (src/websocket/, about 1.5 KB less heap
   * per connection) or `ws` (engine.io's default).
   * @default "lean"
   */
  wsEngine: "lean" | "ws";
  /**
   * The server HTTP API under /api/v1 (keys, rate per key, limits); its message length is
   * `messageMaxLength`. @default {} (no keys: the API is off)
   */
  api: Partial<Omit<ApiOptions, "messageMaxLength">>;
}

export const defaultChatServerOptions: ChatServerOptions = {
  authSecret: undefined,
  tokenMaxTtlSec: DEFAULT_TOKEN_MAX_TTL_SEC,
  messageMaxLength: 500,
  maxRoomsPerSocket: 20,
  ratePerSec: 5,
  rateBurst: 10,
  flood: defaultFloodOptions,
  abuse: {},
  maxHttpBufferSize: 16_384,
  maxConnectionsPerIp: 200,
  trustProxy: false,
  corsOrigins: undefined,
  maxClientQueueBytes: 1_048_576,
  viewerCounts: {},
  writeCoalescingMs: 20,
  batchTickMs: 25,
  wsEngine: "lean",
  api: {},
};

export interface ChatServerDeps {
  logger: Logger;
  store: MessageStore;
  /** Where the store's published entries arrive (from Redis through the adapter, or from the in-memory store). */
  bus: EntryBus;
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
}

export interface DrainOptions {
  /** Time for the load balancer to see /readyz fail before clients are moved. @default 2000 */
  delayMs: number;
  /** Disconnects are spread over this long, so other replicas are not hit all at once. @default 1000 */
  spreadMs: number;
}

export interface ChatServer {
  app: Express;
  http: HttpServer;
  io: ChatIo;
  viewers: ViewerCounts;
  /** Listens and resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Graceful stop: readiness goes false and new connections are refused; after `delayMs` every
   * client's transport is closed (they reconnect elsewhere and recover from history); then the
   * adapter and server close. Injected stores and Redis clients stay open (the runtime owns them).
   */
  close(drain?: Partial<DrainOptions>): Promise<void>;
}

/** An engine.io connection, as the connection limiter tracks it. */
interface TrackedConnection {
  request: IncomingMessage;
  /** The address the limiter counted it under, until released. */
  countedAs?: string;
  on(ev: "close", fn: (this: TrackedConnection) => void): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Longest wait for a room's subscription before a join fails as unavailable. */
const SUBSCRIBE_DEADLINE_MS = 2_000;
const READY = Promise.resolve();

/** The adapter's subscription wait, as a join step that fails with `unavailable`. */
function roomReadiness(adapter: unknown): ChatDeps["roomReady"] {
  const aware = adapter as Partial<SubscriptionAware>;
  if (typeof aware.whenSubscribed !== "function") return undefined;
  const unavailable = (cause?: unknown) =>
    new ProtocolError(ErrorCode.Unavailable, "message broker unavailable; retry", undefined, { cause });
  return (room) => {
    // A room whose subscription is already proven costs a join nothing: no promise chain, no timer.
    if (aware.isSubscribed?.(room)) return READY;
    return withDeadline(aware.whenSubscribed!(room), SUBSCRIBE_DEADLINE_MS, () => unavailable()).catch((err: unknown) => {
      throw err instanceof ProtocolError ? err : unavailable(err);
    });
  };
}

/** Assembles Express + Socket.IO + the chat handlers on one HTTP server. */
export function createChatServer(options: Partial<ChatServerOptions>, deps: ChatServerDeps): ChatServer {
  const opts = { ...defaultChatServerOptions, ...options } satisfies ChatServerOptions;
  const { logger, metrics } = deps;
  let draining = false;
  // Mounted now, filled once the room service exists (it needs the Socket.IO server, which needs this app's HTTP server).
  const api = express.Router();
  const app = createHttpApp({
    ready: async () => !draining && (deps.backendReady ? await deps.backendReady() : true),
    metrics: deps.metricsOnMainPort === false ? undefined : metrics?.registry,
    mounts: { [API_BASE]: api },
  });
  const http = createServer(app);
  const limiter = new ConnectionLimiter({ maxPerIp: opts.maxConnectionsPerIp, trustProxy: opts.trustProxy });
  const io: ChatIo = new Server(http, {
    adapter: deps.adapter ?? ChatMemoryAdapter,
    maxHttpBufferSize: opts.maxHttpBufferSize,
    serveClient: false,
    parser: leanParser,
    // Without the key engine.io uses `ws` (an explicit undefined would replace its default).
    ...(opts.wsEngine === "lean" ? { wsEngine: LeanWebSocketServer } : {}),
    cors: opts.corsOrigins ? { origin: opts.corsOrigins, credentials: true } : undefined,
    allowRequest: (req: IncomingMessage, callback) => {
      if (draining) return callback("server is draining; reconnect", false);
      if (!originAllowed(req, opts.corsOrigins)) return callback("origin not allowed", false);
      const refused = limiter.admit(req);
      callback(refused ?? null, refused === undefined);
    },
  });
  const queueLimit = new ClientQueueLimit({ maxBytes: opts.maxClientQueueBytes }, (conn, bytes) => {
    metrics?.slowConsumers.inc();
    logger.warn({ conn: conn.id, bytes }, "slow consumer disconnected: client queue over MAX_CLIENT_QUEUE_BYTES");
  });
  const coalescer = new WriteCoalescer({ tickMs: opts.writeCoalescingMs }, (conn) =>
    queueLimit.admit(conn as unknown as QueuedConnection),
  );
  // One close listener for every connection (`this` is the connection), and the address it was
  // counted under as a field: no closure per viewer.
  function releaseSlot(this: TrackedConnection): void {
    if (this.countedAs === undefined) return;
    limiter.release(this.countedAs);
    this.countedAs = undefined;
  }
  io.engine.on("connection", (raw: TrackedConnection) => {
    raw.countedAs = limiter.track(raw.request);
    raw.on("close", releaseSlot);
    coalescer.attach(raw as unknown as EngineConnection);
  });

  const nsp = io.of("/");
  const viewers = new ViewerCounts(
    {
      store: deps.presence,
      replicaId: deps.replicaId,
      announce: (room, count) => io.to(room).emit("room:viewers", { room, count }),
      tell: (socketId, room, count) => nsp.sockets.get(socketId)?.emit("room:viewers", { room, count }),
      logger,
    },
    opts.viewerCounts,
  );
  // Adapter events see every local join and leave, including the implicit leaves of a disconnect.
  nsp.adapter.on("join-room", (room: string, id: string) => viewers.joined(room, id));
  nsp.adapter.on("leave-room", (room: string, id: string) => viewers.left(room, id));
  viewers.start();
  // Read at scrape time: no bookkeeping on the join path, and no listener per connection.
  if (metrics) {
    metrics.sources.rooms = () => (nsp.adapter as unknown as { rooms: Map<string, unknown> }).rooms.size;
    metrics.sources.connections = () => nsp.sockets.size;
  }

  const store = metrics ? timedMessageStore(deps.store, metrics.storeLatency) : deps.store;
  const feed = new RoomFeed({ nsp, onWrite: (kind, n) => metrics?.deliveries.inc({ kind }, n) });
  const stopFeed = deps.bus.listen((room, entries) => feed.deliver(room, entries));
  nsp.adapter.on("delete-room", (room: string) => feed.forget(room));
  const sends = new SendBatcher(
    { append: (room, drafts) => store.append(room, drafts), onFlush: (n) => metrics?.sendBatchSize.observe(n) },
    { tickMs: opts.batchTickMs },
  );
  const rooms = new RoomService({
    store,
    sends,
    presence: deps.presence,
    broadcast: {
      emit: (room, event, payload, except) => {
        const to = except ? io.to(room).except(except) : io.to(room);
        // The event and payload types are checked at RoomBroadcast's signature; this only forwards.
        (to.emit as (ev: string, arg: unknown) => boolean).call(to, event, payload);
      },
    },
    replicas: new ReplicaCommands({ nsp, logger }),
    onBroadcast: (event) => metrics?.broadcast.inc({ event }),
  });
  api.use(
    createApiRouter(
      { rooms, logger, onRequest: (route, status) => metrics?.apiRequests.inc({ route, status: String(status) }) },
      { ...opts.api, messageMaxLength: opts.messageMaxLength },
    ),
  );
  const abuse = new AbuseControl(opts.abuse);
  const chat: ChatDeps = {
    store,
    sends,
    viewers,
    rooms,
    limits: { messageMaxLength: opts.messageMaxLength, maxRoomsPerSocket: opts.maxRoomsPerSocket },
    logger,
    metrics,
    abuse,
    roomReady: roomReadiness(nsp.adapter),
  };
  io.use(handshakeMiddleware({ authSecret: opts.authSecret, tokenMaxTtlSec: opts.tokenMaxTtlSec, logger }));
  io.use(abuse.middleware());
  // Created once, shared by every connection: no closures per viewer (see shared-dispatch.ts).
  const setupSocket = connectionSetup(chat, opts);
  // Last: it shares what the setup attached, and drops what the middlewares read.
  const lean = new LeanConnections();
  io.on("connection", (socket) => {
    setupSocket(socket);
    lean.slim(socket);
  });

  return {
    app,
    http,
    io,
    viewers,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, host, () => {
          http.off("error", reject);
          resolve((http.address() as AddressInfo).port);
        });
      });
    },
    async close(drain = {}) {
      const { delayMs = 0, spreadMs = 0 } = drain;
      draining = true;
      if (delayMs > 0) await sleep(delayMs);
      const sockets = [...nsp.sockets.values()];
      logger.info({ sockets: sockets.length }, "draining: moving clients to other replicas");
      const batches = Math.max(1, Math.ceil(spreadMs / 50));
      const perBatch = Math.ceil(sockets.length / batches);
      for (let i = 0; i < sockets.length; i += perBatch) {
        // Closing the transport (not socket.disconnect()) makes clients reconnect on their own.
        for (const s of sockets.slice(i, i + perBatch)) s.conn.close();
        if (i + perBatch < sockets.length) await sleep(50);
      }
      await viewers.stop();
      stopFeed();
      coalescer.close();
      abuse.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
