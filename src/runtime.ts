import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { createChatShardedAdapter } from "./adapter/sharded-adapter.js";
import type { Config } from "./config.js";
import { createMetrics, type ChatMetrics } from "./observability/metrics.js";
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
  /**
   * Graceful shutdown within `config.shutdownTimeoutMs`: drain the server (clients move to other
   * replicas), then close the stores and Redis clients.
   */
  close(): Promise<void>;
}

interface Backend {
  store: MessageStore;
  presence: PresenceStore;
  adapter?: ChatServerDeps["adapter"];
  redis?: RedisClients;
}

/** Embedded (one process, in memory) or Redis (cluster or standalone): chosen by config alone. */
async function createBackend(config: Config, logger: Logger, metrics: ChatMetrics): Promise<Backend> {
  const storeOptions = { historySize: config.historySize, historyTtlSec: config.historyTtlSec };
  if (!config.redis) {
    logger.info("no REDIS_URL or REDIS_CLUSTER_NODES: embedded mode (in-memory adapter and history, one process)");
    return { store: new MemoryMessageStore(storeOptions), presence: new MemoryPresenceStore() };
  }
  const redis = await connectRedis(config.redis, logger, {
    onEvent: (event, client) => {
      if (event === "error") metrics.redisErrors.inc({ client });
      if (event === "reconnecting") metrics.redisReconnects.inc({ client });
    },
  });
  return {
    redis,
    store: new RedisMessageStore(redis.pub, storeOptions),
    presence: new RedisPresenceStore(redis.pub),
    adapter: createChatShardedAdapter(redis.pub, redis.sub, {
      onPublish: (seconds) => metrics.publishLatency.observe(seconds),
      publishCoalescingMs: config.publishCoalescingMs,
      onPublishError: (err) => logger.warn({ err }, "coalesced publish failed"),
    }) as ChatServerDeps["adapter"],
  };
}

/** The composition root: builds metrics, stores, adapter and Redis clients from config, at the edge. */
export async function startRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const replicaId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const metrics = createMetrics();
  const backend = await createBackend(config, logger, metrics);
  const redis = backend.redis;
  const server = createChatServer(
    {
      authSecret: config.authSecret,
      messageMaxLength: config.messageMaxLength,
      maxRoomsPerSocket: config.maxRoomsPerSocket,
      ratePerSec: config.ratePerSec,
      rateBurst: config.rateBurst,
      maxHttpBufferSize: config.maxHttpBufferSize,
      maxConnectionsPerIp: config.maxConnectionsPerIp,
      trustProxy: config.trustProxy,
      corsOrigins: config.corsOrigins,
      writeCoalescingMs: config.writeCoalescingMs,
    },
    {
      logger,
      metrics,
      replicaId,
      store: backend.store,
      presence: backend.presence,
      adapter: backend.adapter,
      backendReady: redis ? async () => redis.subscribed() && (await redis.ping(1_000)) : undefined,
    },
  );
  const port = await server.listen(config.port, config.host);
  logger.info({ port, host: config.host, replicaId }, "chat server listening");
  return {
    server,
    port,
    async close() {
      // Leave time at the end of the deadline for closing the adapter and Redis clients.
      const budget = Math.max(0, config.shutdownTimeoutMs - 1_000);
      const delayMs = Math.min(config.drainDelayMs, budget / 2);
      await server.close({ delayMs, spreadMs: Math.min(1_000, budget - delayMs) });
      await Promise.all([backend.store.close(), backend.presence.close()]);
      await redis?.close();
    },
  };
}
