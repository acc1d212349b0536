/** node-redis clients on the suite's shared cluster, for store tests; closed after the file. */
import { afterAll, beforeAll, inject } from "vitest";
import { pino } from "pino";
import { ClusterTopology } from "../../src/redis/cluster-topology.js";
import { connectRedis, type RedisClients, type RedisCommands } from "../../src/redis/redis-clients.js";

/** Connects before the file's tests and closes after them; returns a getter for the clients. */
export function useSharedRedisClients(): () => RedisClients & { topology: ClusterTopology } {
  let clients: (RedisClients & { topology: ClusterTopology }) | undefined;
  beforeAll(async () => {
    const { password, ...info } = inject("redisCluster");
    const seeds = info.seeds.split(",");
    const logger = pino({ level: "silent" });
    const redis = await connectRedis({ mode: "cluster", urls: seeds.map((s) => `redis://${s}`), password }, logger);
    const topology = new ClusterTopology({ shards: (exclude) => redis.clusterShards!(exclude), logger });
    await topology.refresh();
    clients = Object.assign(redis, { topology });
  });
  afterAll(async () => {
    await clients?.close();
  });
  return () => {
    if (!clients) throw new Error("redis clients not connected yet");
    return clients;
  };
}

/** The publishing (command) client of {@link useSharedRedisClients}. */
export function useSharedClusterClient(): () => RedisCommands {
  const clients = useSharedRedisClients();
  return () => clients().pub;
}

/** A key prefix of its own per test file: the shared cluster outlives every file. */
export const freshKeyPrefix = () => `t${process.pid}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
