import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { createChatShardedAdapter } from "./adapter/sharded-adapter.js";
import type { Config } from "./config.js";
import { EntryBus } from "./delivery/entry-bus.js";
import { NoticeBus } from "./delivery/notice-bus.js";
import { createMetrics, type ChatMetrics } from "./observability/metrics.js";
import { MemoryPresenceStore } from "./presence/memory-presence-store.js";
import type { PresenceStore } from "./presence/presence-store.js";
import { RedisPresenceStore } from "./presence/redis-presence-store.js";
import { ClusterTopology } from "./redis/cluster-topology.js";
import { connectRedis, type RedisClients } from "./redis/redis-clients.js";
import { ReplicatedWrites } from "./redis/replicated-writes.js";
import { startMetricsServer } from "./http/metrics-server.js";
import { RedisReplicaRegistry } from "./ops/redis-replica-registry.js";
import type { ReplicaRegistry } from "./ops/replica-registry.js";
import { createChatServer, type ChatServer, type ChatServerDeps } from "./server.js";
import { MemoryMessageStore } from "./store/memory-message-store.js";
import { MemoryModerationLog } from "./store/memory-moderation-log.js";
import { MemoryModerationStore } from "./store/memory-moderation-store.js";
import type { MemoryLimits, MessageStore, MessageStoreOptions } from "./store/message-store.js";
import type { ModerationLog } from "./store/moderation-log.js";
import type { ModerationStore } from "./store/moderation-store.js";
import { RedisMessageStore } from "./store/redis/redis-message-store.js";
import { RedisModerationLog } from "./store/redis/redis-moderation-log.js";
import { RedisModerationStore } from "./store/redis/redis-moderation-store.js";
import type { EntryArchive } from "./store/memory-archive.js";
import { openEmbeddedArchive } from "./runtime-archive.js";
import type { MessageArchive } from "./archive/message-archive.js";
import { DeferredArchive } from "./archive/deferred-archive.js";
import { openPostgresArchive } from "./archive/postgres/postgres-archive.js";
import { startRetention } from "./archive/retention.js";
import { redisRetentionLease, retentionLeaseKey } from "./archive/retention-lease.js";
import { ArchiveSweeper } from "./archive/write-behind/archive-sweeper.js";
import { backlogShards } from "./store/redis/backlog-shards.js";
import { RedisArchiveBacklog } from "./store/redis/redis-archive-backlog.js";
import { redactUrl } from "./util/redact-url.js";

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
  bus: EntryBus;
  notices: NoticeBus;
  team: ModerationStore;
  moderationLog: ModerationLog;
  presence: PresenceStore;
  adapter?: ChatServerDeps["adapter"];
  redis?: RedisClients;
  topology?: ClusterTopology;
  /** Where the replicas' heartbeats meet; embedded: the server keeps its own in memory. */
  replicas?: ReplicaRegistry;
  /**
   * The durable archive (issue #20): embedded, the file in DATA_DIR; scaled with DATABASE_URL,
   * PostgreSQL opened in the background. `close` stops retention and closes it; called last.
   */
  archive?: { archive: MessageArchive; close(): Promise<void> };
  /** Scaled mode's write-behind into `archive`, started once the server listens. */
  sweeper?: ArchiveSweeper;
}

/**
 * The embedded backend: history, moderation and presence in memory, the store publishing straight
 * to the buses. With `kept` (the archive file), the store keeps every entry in it and the
 * moderation log is the archive's; without, both are memory only (as tests build it).
 */
export function embeddedBackend(
  storeOptions: Partial<MessageStoreOptions & MemoryLimits> = {},
  kept: { archive?: EntryArchive; moderationLog?: ModerationLog } = {},
): Pick<Backend, "store" | "bus" | "notices" | "team" | "moderationLog" | "presence"> {
  const bus = new EntryBus();
  const notices = new NoticeBus();
  const team = new MemoryModerationStore({}, Date.now, storeOptions.maxRooms);
  return {
    bus,
    notices,
    team,
    moderationLog: kept.moderationLog ?? new MemoryModerationLog({}, Date.now, storeOptions.maxRooms),
    store: new MemoryMessageStore(storeOptions, {
      ...(kept.archive ? { archive: kept.archive } : {}),
      publish: (room, entries) => bus.emit(room, entries),
      announce: (room, list) => notices.emit(room, list),
      isModerator: (room, userId) => team.appointed(room, userId),
    }),
    presence: new MemoryPresenceStore(),
  };
}

/** Embedded (one process, in memory) or Redis (cluster or standalone): chosen by config alone. */
async function createBackend(config: Config, logger: Logger, metrics: ChatMetrics, replicaId: string): Promise<Backend> {
  const storeOptions = { historySize: config.historySize, historyTtlSec: config.historyTtlSec, requireOpenRooms: config.requireOpenRooms };
  if (!config.redis) {
    logger.info("no REDIS_URL or REDIS_CLUSTER_NODES: embedded mode (in-memory adapter and history, one process)");
    const archive = await openEmbeddedArchive(config, logger);
    return { ...embeddedBackend({ ...storeOptions, maxRooms: config.embeddedMaxRooms }, archive ?? {}), ...(archive ? { archive } : {}) };
  }
  // Named, so the subscription watchdog finds this replica's subscriber connections in CLIENT LIST.
  const subscriberName = `chat-sub:${replicaId}`.replace(/[^\w.:-]/g, "_");
  const redis = await connectRedis(config.redis, logger, {
    subscriberName,
    onEvent: (event, client) => {
      if (event === "error") metrics.redisErrors.inc({ client });
      if (event === "reconnecting") metrics.redisReconnects.inc({ client });
    },
  });
  const cluster = config.redis.mode === "cluster";
  const subscriberChanges = new Set<() => void>();
  const slotMapChanged = () => subscriberChanges.forEach((listener) => listener());
  const topology = redis.clusterShards
    ? new ClusterTopology({
        shards: (exclude) => redis.clusterShards!(exclude),
        logger,
        // node-redis learns of a failover only from MOVED or a reconnect; a frozen master gives
        // neither, so every command would wait for it. The other nodes know: rediscover.
        onRefresh: (shards) => {
          const moved = shards.some((s) => s.master && s.slots.some(([from]) => !s.masterAliases.includes(redis.slotOwner!(from) ?? "")));
          if (moved) {
            void redis.rediscover!();
            // Slots moved: room subscriptions prove themselves again (node-redis moves them on its own, not always).
            slotMapChanged();
          }
        },
      })
    : undefined;
  const writes = new ReplicatedWrites(
    {
      route: (key) => redis.route(key),
      topology,
      logger,
      onWait: (seconds) => metrics.replicationWait.observe(seconds),
      onShortfall: (outcome) => metrics.replicationShortfalls.inc({ outcome }),
    },
    { replicas: config.ackReplicas === "auto" ? (cluster ? 1 : 0) : config.ackReplicas, timeoutMs: config.ackTimeoutMs },
  );
  const bus = new EntryBus();
  const notices = new NoticeBus();
  const store = new RedisMessageStore(
    {
      redis: redis.pub,
      writes,
      onPublishError: (err, room) => {
        metrics.publishErrors.inc({ path: "entries" });
        logger.warn({ err, room }, "publishing stored entries failed; they go out with the room's next publish");
      },
    },
    // With an archive, every stored entry is marked for the write-behind in the same script.
    { ...storeOptions, archive: config.databaseUrl !== undefined },
  );
  return {
    redis,
    ...scaledArchive(config, logger, metrics, replicaId, redis, store),
    bus,
    notices,
    team: new RedisModerationStore(redis.pub),
    moderationLog: new RedisModerationLog(redis.pub),
    topology,
    store,
    presence: new RedisPresenceStore(redis.pub),
    replicas: new RedisReplicaRegistry(redis.pub, { cluster: config.clusterName }),
    adapter: createChatShardedAdapter(redis.pub, redis.sub, {
      bus,
      notices,
      onPublish: (seconds) => metrics.publishLatency.observe(seconds),
      onPublishError: (err) => {
        metrics.publishErrors.inc({ path: "adapter" });
        logger.warn({ err }, "adapter publish failed; other replicas missed a room event");
      },
      onBadPayload: (channel) => logger.warn({ channel }, "undecodable entries payload on a room channel"),
      subscriptions: { graceMs: config.roomSubscriptionGraceMs },
      watchdog: {
        nodes: { masters: () => redis.masters(), ownerOf: (channel) => redis.ownerOf(channel) },
        subscriberName,
        intervalMs: config.subscriptionWatchdogMs,
      },
      onSubscriberChange: (listener) => {
        const offClient = redis.onSubscriberChange(listener);
        subscriberChanges.add(listener);
        return () => {
          offClient();
          subscriberChanges.delete(listener);
        };
      },
      onRepair: (kind, count) => metrics.subscriptionRepairs.inc({ kind }, count),
      logger,
    }) as ChatServerDeps["adapter"],
  };
}

/**
 * Scaled mode's archive: with DATABASE_URL, PostgreSQL opened (and migrated) in the background,
 * retried until it works (a database down at start must not stop the replica serving chat), and
 * the write-behind sweeper that fills it from the Redis streams. Without it: no archive.
 */
function scaledArchive(
  config: Config,
  logger: Logger,
  metrics: ChatMetrics,
  replicaId: string,
  redis: RedisClients,
  store: RedisMessageStore,
): Pick<Backend, "archive" | "sweeper"> {
  if (!config.databaseUrl) {
    logger.info("Redis without DATABASE_URL: no archive; history is the hot window (HISTORY_SIZE entries per room)");
    return {};
  }
  const connectionString = config.databaseUrl;
  logger.info({ database: redactUrl(connectionString) }, "archive: PostgreSQL, written behind Redis");
  const archive = new DeferredArchive({
    logger,
    open: async () => {
      const opened = await openPostgresArchive({ logger }, { connectionString });
      logger.info({ migrations: opened.migrations }, "archive database migrated");
      return opened.archive;
    },
  });
  const backlog = new RedisArchiveBacklog(
    { redis: redis.pub, shards: () => backlogShards(redis) },
    { historySize: config.historySize, historyTtlSec: config.historyTtlSec },
  );
  // Retention: one replica at a time prunes (the lease), the others skip their turn.
  const retention =
    config.archiveRetentionDays > 0
      ? startRetention(
          { targets: [archive], logger, lease: redisRetentionLease(redis.pub, { key: retentionLeaseKey(config.clusterName), owner: replicaId }) },
          { days: config.archiveRetentionDays },
        )
      : undefined;
  const sweeper = new ArchiveSweeper(
    {
      archive,
      backlog,
      owner: replicaId,
      logger,
      publishStranded: (room) => store.publishStranded(room),
      events: {
        lag: (seconds) => metrics.archiveLag.set(seconds),
        backlog: (entries) => metrics.archiveBacklog.set(entries),
        inserted: (entries) => metrics.archiveInserted.inc(entries),
        failed: () => metrics.archiveFailures.inc(),
        dropped: (entries) => metrics.archiveDropped.inc(entries),
      },
    },
    { backlogMax: config.archiveBacklogMax },
  );
  return {
    archive: {
      archive,
      async close() {
        await retention?.stop();
        await archive.close();
      },
    },
    sweeper,
  };
}

/** The composition root: builds metrics, stores, adapter and Redis clients from config, at the edge. */
export async function startRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const replicaId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const metrics = createMetrics();
  const backend = await createBackend(config, logger, metrics, replicaId);
  const redis = backend.redis;
  backend.topology?.start();
  const server = createChatServer(
    {
      authSecret: config.authSecret,
      tokenMaxTtlSec: config.tokenMaxTtlSec,
      messageMaxLength: config.messageMaxLength,
      maxRoomsPerSocket: config.maxRoomsPerSocket,
      ratePerSec: config.ratePerSec,
      rateBurst: config.rateBurst,
      abuse: { perIpPerSec: config.ratePerIpPerSec, perUserPerSec: config.ratePerUserPerSec, penaltyMs: config.floodPenaltySec * 1000 },
      maxHttpBufferSize: config.maxHttpBufferSize,
      maxConnectionsPerIp: config.maxConnectionsPerIp,
      trustProxy: config.trustProxy,
      corsOrigins: config.corsOrigins,
      writeCoalescingMs: config.writeCoalescingMs,
      maxClientQueueBytes: config.maxClientQueueBytes,
      batchTickMs: config.batchTickMs,
      batchMaxTickMs: config.batchMaxTickMs,
      wsEngine: config.wsEngine,
      wsDeflate: config.wsDeflate,
      api: { keys: config.apiKeys, ratePerSec: config.apiRatePerSec, rateBurst: config.apiRateBurst },
      ops: { cluster: config.clusterName },
    },
    {
      logger,
      metrics,
      replicaId,
      store: backend.store,
      bus: backend.bus,
      notices: backend.notices,
      team: backend.team,
      moderationLog: backend.moderationLog,
      presence: backend.presence,
      replicas: backend.replicas,
      adapter: backend.adapter,
      archive: backend.archive?.archive,
      metricsOnMainPort: config.metricsPort === undefined,
      backendReady: redis ? async () => redis.subscribed() && (await redis.ping(1_000)) : undefined,
    },
  );
  const port = await server.listen(config.port, config.host);
  backend.sweeper?.start();
  const metricsServer = config.metricsPort === undefined ? undefined : await startMetricsServer(metrics.registry, config.metricsPort, config.host);
  logger.info({ port, metricsPort: metricsServer?.port, host: config.host, replicaId, api: config.apiKeys.length > 0 }, "chat server listening");
  return {
    server,
    port,
    async close() {
      // Leave time at the end of the deadline for closing the adapter and Redis clients.
      const budget = Math.max(0, config.shutdownTimeoutMs - 1_000);
      const delayMs = Math.min(config.drainDelayMs, budget / 2);
      await server.close({ delayMs, spreadMs: Math.min(1_000, budget - delayMs) });
      await metricsServer?.close();
      // After the drain (nothing stores any more), before Redis closes: the sweeper gives its leases up.
      await backend.sweeper?.stop();
      backend.topology?.stop();
      await Promise.all([backend.store.close(), backend.presence.close(), backend.team.close(), backend.moderationLog.close()]);
      await backend.archive?.close();
      await redis?.close();
    },
  };
}
