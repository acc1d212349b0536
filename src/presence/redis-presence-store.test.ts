import { afterAll, beforeAll, inject } from "vitest";
import { createCluster } from "redis";
import type { RedisCommands } from "../redis/redis-clients.js";
import { presenceStoreSuite } from "./presence-store.suite.js";
import { RedisPresenceStore } from "./redis-presence-store.js";

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

presenceStoreSuite("redis cluster", async (options) =>
  new RedisPresenceStore(cluster as unknown as RedisCommands, { keyPrefix: `t${process.pid}${Date.now()}`, ...options }),
);
