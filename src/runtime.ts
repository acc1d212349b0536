import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { MemoryPresenceStore } from "./presence/memory-presence-store.js";
import { createChatServer, type ChatServer } from "./server.js";
import { MemoryMessageStore } from "./store/memory-message-store.js";

export interface Runtime {
  server: ChatServer;
  port: number;
  /** Closes the server, then the stores and Redis clients it was given. */
  close(): Promise<void>;
}

/** The composition root: builds stores, adapter and Redis clients from config, at the edge. */
export async function startRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const replicaId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const store = new MemoryMessageStore({ historySize: config.historySize, historyTtlSec: config.historyTtlSec });
  const presence = new MemoryPresenceStore();
  logger.info("no REDIS_URL or REDIS_CLUSTER_NODES: embedded mode (in-memory adapter and history, one process)");
  const server = createChatServer(
    {
      authSecret: config.authSecret,
      messageMaxLength: config.messageMaxLength,
      maxRoomsPerSocket: config.maxRoomsPerSocket,
      ratePerSec: config.ratePerSec,
      rateBurst: config.rateBurst,
      maxHttpBufferSize: config.maxHttpBufferSize,
      corsOrigins: config.corsOrigins,
    },
    { logger, store, presence, replicaId },
  );
  const port = await server.listen(config.port, config.host);
  logger.info({ port, host: config.host, replicaId }, "chat server listening");
  return {
    server,
    port,
    async close() {
      await server.close();
      await Promise.all([store.close(), presence.close()]);
    },
  };
}
