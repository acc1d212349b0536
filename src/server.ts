import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import type { Logger } from "pino";
import { Server, type ServerOptions } from "socket.io";
import { ChatMemoryAdapter } from "./adapter/memory-adapter.js";
import { handshakeMiddleware } from "./auth/handshake.js";
import type { HandlerHooks } from "./chat/ack-handler.js";
import { onConnection } from "./chat/connection.js";
import type { ChatDeps, ChatIo } from "./chat/types.js";
import { createHttpApp } from "./http/app.js";
import type { PresenceStore } from "./presence/presence-store.js";
import { ViewerCounts, type ViewerCountsOptions } from "./presence/viewer-counts.js";
import type { MessageStore } from "./store/message-store.js";

export interface ChatServerOptions {
  /** HS256 secret for tokens; without it only anonymous viewers can connect. @default undefined */
  authSecret: string | undefined;
  /** @default 500 */
  messageMaxLength: number;
  /** @default 20 */
  maxRoomsPerSocket: number;
  /** @default 5 */
  ratePerSec: number;
  /** @default 10 */
  rateBurst: number;
  /** Largest Socket.IO packet a client may send, in bytes. @default 16384 */
  maxHttpBufferSize: number;
  /** Allowed browser origins for the Socket.IO endpoint; undefined allows same-origin only. */
  corsOrigins: string[] | undefined;
  viewerCounts: Partial<ViewerCountsOptions>;
}

export const defaultChatServerOptions: ChatServerOptions = {
  authSecret: undefined,
  messageMaxLength: 500,
  maxRoomsPerSocket: 20,
  ratePerSec: 5,
  rateBurst: 10,
  maxHttpBufferSize: 16_384,
  corsOrigins: undefined,
  viewerCounts: {},
};

export interface ChatServerDeps {
  logger: Logger;
  store: MessageStore;
  presence: PresenceStore;
  /** Identifies this replica in presence reports. */
  replicaId: string;
  /** Socket.IO adapter constructor. @default ChatMemoryAdapter (embedded, one process) */
  adapter?: ServerOptions["adapter"];
  hooks?: HandlerHooks;
}

export interface ChatServer {
  app: Express;
  http: HttpServer;
  io: ChatIo;
  viewers: ViewerCounts;
  /** Listens and resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, disconnects clients, closes the adapter. Injected stores stay open. */
  close(): Promise<void>;
}

/** Assembles Express + Socket.IO + the chat handlers on one HTTP server. */
export function createChatServer(options: Partial<ChatServerOptions>, deps: ChatServerDeps): ChatServer {
  const opts = { ...defaultChatServerOptions, ...options } satisfies ChatServerOptions;
  let draining = false;
  const app = createHttpApp({ ready: () => !draining });
  const http = createServer(app);
  const io: ChatIo = new Server(http, {
    adapter: deps.adapter ?? ChatMemoryAdapter,
    maxHttpBufferSize: opts.maxHttpBufferSize,
    serveClient: false,
    cors: opts.corsOrigins ? { origin: opts.corsOrigins, credentials: true } : undefined,
  });

  const viewers = new ViewerCounts(
    {
      store: deps.presence,
      replicaId: deps.replicaId,
      announce: (room, count) => io.to(room).emit("room:viewers", { room, count }),
      logger: deps.logger,
    },
    opts.viewerCounts,
  );
  // Adapter events see every local join and leave, including the implicit leaves of a disconnect.
  const nsp = io.of("/");
  nsp.adapter.on("join-room", (room: string) => viewers.joined(room));
  nsp.adapter.on("leave-room", (room: string) => viewers.left(room));
  viewers.start();

  const chat: ChatDeps = {
    io,
    store: deps.store,
    viewers,
    limits: { messageMaxLength: opts.messageMaxLength, maxRoomsPerSocket: opts.maxRoomsPerSocket },
    logger: deps.logger,
  };
  io.use(handshakeMiddleware({ authSecret: opts.authSecret, logger: deps.logger }));
  io.on("connection", (socket) => onConnection(chat, opts, socket, deps.hooks));

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
    async close() {
      draining = true;
      await viewers.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
