/** A node-redis cluster client on the suite's shared cluster, for store tests; closed after the file. */
import { afterAll, beforeAll, inject } from "vitest";
import { createCluster } from "redis";
import type { RedisCommands } from "../../src/redis/redis-clients.js";

/** Connects before the file's tests and closes after them; returns a getter for the client. */
export function useSharedClusterClient(): () => RedisCommands {
  let cluster: ReturnType<typeof createCluster> | undefined;
  beforeAll(async () => {
    const seeds = inject("redisCluster").seeds.split(",");
    cluster = createCluster({ rootNodes: seeds.map((s) => ({ url: `redis://${s}` })) });
    cluster.on("error", () => {});
    await cluster.connect();
  });
  afterAll(async () => {
    await cluster?.close();
  });
  return () => {
    if (!cluster) throw new Error("cluster client not connected yet");
    return cluster as unknown as RedisCommands;
  };
}

/** A key prefix of its own per test file: the shared cluster outlives every file. */
export const freshKeyPrefix = () => `t${process.pid}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
