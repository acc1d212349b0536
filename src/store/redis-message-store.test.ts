import { afterAll, beforeAll, inject } from "vitest";
import { createCluster } from "redis";
import { messageStoreSuite } from "./message-store.suite.js";
import { RedisMessageStore } from "./redis-message-store.js";
import type { RedisCommands } from "../redis/redis-clients.js";

let cluster: ReturnType<typeof createCluster>;

beforeAll(async () => {
  const seeds = inject("redisCluster").seeds.split(",");
  cluster = createCluster({ rootNodes: seeds.map((s) => ({ url: `redis://${s}` })) });
  cluster.on("error", () => {});
  await cluster.connect();
});
afterAll(async () => {
  await cluster?.close();
});

// Each suite run uses its own key prefix: the shared cluster outlives this file.
messageStoreSuite("redis cluster", async (options) =>
  new RedisMessageStore(cluster as unknown as RedisCommands, { keyPrefix: `t${process.pid}${Date.now()}`, ...options }),
);
