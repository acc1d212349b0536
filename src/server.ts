/**
 * The chat server: Express and Socket.IO on one HTTP server, assembled in three steps (src/server/):
 * the Socket.IO server behind its engine guards, the chat wired onto it, and at the end a drain that
 * moves clients to other replicas. Options and dependencies come in (server/server-options.ts);
 * nothing here reads the environment or creates Redis clients.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express } from "express";
import { API_BASE } from "./api/api-router.js";
import { createHttpApp } from "./http/app.js";
import type { ViewerCounts } from "./presence/viewer-counts.js";
import { wireChat } from "./server/chat-wiring.js";
import { drainClients } from "./server/drain.js";
import { createGuardedIo } from "./server/engine-guards.js";
import { defaultChatServerOptions, type ChatServerDeps, type ChatServerOptions, type DrainOptions } from "./server/server-options.js";
import type { ChatIo } from "./socket/chat-io.js";

export { defaultChatServerOptions, type ChatServerDeps, type ChatServerOptions, type DrainOptions };

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

/** Assembles Express + Socket.IO + the chat handlers on one HTTP server. */
export function createChatServer(options: Partial<ChatServerOptions>, deps: ChatServerDeps): ChatServer {
  const opts = { ...defaultChatServerOptions, ...options } satisfies ChatServerOptions;
  let draining = false;
  // Health, readiness, metrics and the pages; the API router is mounted now and filled by the
  // chat's wiring (its room service needs the Socket.IO server, which needs this HTTP server).
  const api = express.Router();
  const app = createHttpApp({
    ready: async () => !draining && (deps.backendReady ? await deps.backendReady() : true),
    metrics: deps.metricsOnMainPort === false ? undefined : deps.metrics?.registry,
    mounts: { [API_BASE]: api },
  });
  const http = createServer(app);
  const engine = createGuardedIo(http, opts, deps, () => draining);
  const chat = wireChat(engine.io, api, opts, deps, engine.frames);

  return {
    app,
    http,
    io: engine.io,
    viewers: chat.viewers,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, host, () => {
          http.off("error", reject);
          const bound = (http.address() as AddressInfo).port;
          chat.ops.start(host, bound);
          resolve(bound);
        });
      });
    },
    async close(drain = {}) {
      draining = true;
      await drainClients(engine.io, deps.logger, drain);
      await chat.close();
      engine.close();
      await new Promise<void>((resolve) => engine.io.close(() => resolve()));
    },
  };
}
