import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { createChatShardedAdapter } from "./adapter/sharded-adapter.js";
import type { Config } from "./config.js";
import { MemoryPresenceStore } from "./presence/memory-presence-store.js";
import type { PresenceStore } from "./presence/presence-store.js";
import { RedisPresenceStore } from "./presence/redis-presence-store.js";
import { connectRedis, type RedisClients } from "./redis/redis-clients.js";
import { createChatServer, type ChatServer, type ChatServerDeps } from "./server.js";
import { MemoryMessageStore } from "./store/memory-message-store.js";
import type { MessageStore } from "./store/message-store.js";
import { RedisMessageStore } from "./store/redis-message-store.js";

export interface Runtime {
  server: ChatServer;
  port: number;
  /** Closes the server, then the stores and Redis clients it was given. */
  close(): Promise<void>;
}

interface Backend {
  store: MessageStore;
  presence: PresenceStore;
  adapter?: ChatServerDeps["adapter"];
  redis?: RedisClients;
}

/** Embedded (one process, in memory) or Redis (cluster or standalone): chosen by config alone. */
async function createBackend(config: Config, logger: Logger): Promise<Backend> {
  const storeOptions = { historySize: config.historySize, historyTtlSec: config.historyTtlSec };
  if (!config.redis) {
    logger.info("no REDIS_URL or REDIS_CLUSTER_NODES: embedded mode (in-memory adapter and history, one process)");
    return { store: new MemoryMessageStore(storeOptions), presence: new MemoryPresenceStore() };
  }
  const redis = await connectRedis(config.redis, logger);
  return {
    redis,
    store: new RedisMessageStore(redis.pub, storeOptions),
    presence: new RedisPresenceStore(redis.pub),
    adapter: createChatShardedAdapter(redis.pub, redis.sub) as ChatServerDeps["adapter"],
  };
}

/** The composition root: builds stores, adapter and Redis clients from config, at the edge. */
export async function startRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const replicaId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const backend = await createBackend(config, logger);
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
    { logger, store: backend.store, presence: backend.presence, adapter: backend.adapter, replicaId },
  );
  const port = await server.listen(config.port, config.host);
  logger.info({ port, host: config.host, replicaId }, "chat server listening");
  return {
    server,
    port,
    async close() {
      await server.close();
      await Promise.all([backend.store.close(), backend.presence.close()]);
      await backend.redis?.close();
    },
  };
}
