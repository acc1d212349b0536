/**
 * Step 1 of the server: Socket.IO on the HTTP server, with its engine tuned and guarded. Before a
 * connection opens: refused while draining, from a foreign `Origin`, or over the per-IP limit.
 * Once open: counted under its client address until it closes, and every flush goes through the
 * client queue limit (slow consumers are closed) and write coalescing (one syscall per tick).
 * Room deliveries may bypass engine.io's queue with one shared frame per room (`frames`), asking
 * the same client queue limit first.
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { ChatMemoryAdapter } from "../adapter/memory-adapter.js";
import { ClientQueueLimit } from "../engine/client-queue-limit.js";
import type { EngineConnection } from "../engine/engine-connection.js";
import { leanParser } from "../engine/lean-parser.js";
import { SharedFrameWriter } from "../engine/shared-frame.js";
import { leanWebSocketEngine } from "../engine/websocket/lean-websocket-server.js";
import { WriteCoalescer } from "../engine/write-coalescing.js";
import { ConnectionLimiter } from "../http/connection-limiter.js";
import { originAllowed } from "../http/origin-check.js";
import type { ChatIo } from "../socket/chat-io.js";
import type { ChatServerDeps, ChatServerOptions } from "./server-options.js";

export interface GuardedIo {
  io: ChatIo;
  /** Writes a room's shared frame to members with nothing queued (src/engine/shared-frame.ts). */
  frames: SharedFrameWriter;
  /** Writes what the coalescer holds and stops its timer. */
  close(): void;
}

export function createGuardedIo(
  http: HttpServer,
  opts: ChatServerOptions,
  deps: Pick<ChatServerDeps, "adapter" | "logger" | "metrics">,
  draining: () => boolean,
): GuardedIo {
  const limiter = new ConnectionLimiter({ maxPerIp: opts.maxConnectionsPerIp, trustProxy: opts.trustProxy });
  const io: ChatIo = new Server(http, {
    adapter: deps.adapter ?? ChatMemoryAdapter,
    maxHttpBufferSize: opts.maxHttpBufferSize,
    serveClient: false,
    parser: leanParser,
    // Without the key engine.io uses `ws` (an explicit undefined would replace its default).
    ...(opts.wsEngine === "lean" ? { wsEngine: leanWebSocketEngine({ sharedDeflate: opts.wsDeflate }) } : {}),
    cors: opts.corsOrigins ? { origin: opts.corsOrigins, credentials: true } : undefined,
    allowRequest: (req: IncomingMessage, callback) => {
      if (draining()) return callback("server is draining; reconnect", false);
      if (!originAllowed(req, opts.corsOrigins)) return callback("origin not allowed", false);
      const refused = limiter.admit(req);
      callback(refused ?? null, refused === undefined);
    },
  });
  const queueLimit = new ClientQueueLimit({ maxBytes: opts.maxClientQueueBytes }, (conn, bytes) => {
    deps.metrics?.slowConsumers.inc();
    deps.logger.warn({ conn: conn.id, bytes }, "slow consumer disconnected: client queue over MAX_CLIENT_QUEUE_BYTES");
  });
  const coalescer = new WriteCoalescer({ tickMs: opts.writeCoalescingMs }, (conn) => queueLimit.admit(conn));
  // One close listener for every connection (`this` is the connection), and the address it was
  // counted under as a field: no closure per viewer.
  function releaseSlot(this: EngineConnection): void {
    if (this.countedAs === undefined) return;
    limiter.release(this.countedAs);
    this.countedAs = undefined;
  }
  io.engine.on("connection", (conn: EngineConnection) => {
    conn.countedAs = limiter.track(conn.request!);
    conn.on("close", releaseSlot);
    coalescer.attach(conn);
  });
  const frames = new SharedFrameWriter({}, (conn) => queueLimit.admit(conn));
  return { io, frames, close: () => coalescer.close() };
}
