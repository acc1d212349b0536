/**
 * vitest globalSetup: one 6-node Redis Cluster (3 masters, 3 replicas) for the whole suite, started
 * once (about 3 s) instead of per file. Test files reach it with `inject("redisCluster")` (typed in
 * test/support/provided-context.ts) and `attachRedisCluster()` for redis-cli helpers. Tests that
 * kill or restart nodes must start their own cluster with `startRedisCluster()`.
 *
 * The `cluster` and `e2e` projects (vitest.config.ts) both name this file; vitest runs it once per
 * project (a fresh module each time), so the cluster is shared through `globalThis` by reference count: started by the first project, stopped by
 * the last one's teardown. The `unit` project does not name it, so `npm run test:unit` starts no Redis.
 */
import type { TestProject } from "vitest/node";
import { startRedisCluster, type RedisClusterHandle } from "./harness/redis-cluster.js";
import "./support/provided-context.js";

/** On globalThis: vitest loads this module once per project, in the one main process. */
interface SharedCluster {
  cluster: Promise<RedisClusterHandle>;
  users: number;
}
const KEY = Symbol.for("live-chat:test-redis-cluster");
const registry = globalThis as unknown as Record<symbol, SharedCluster | undefined>;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry[KEY] ??= { cluster: startRedisCluster(), users: 0 });
  shared.users++;
  const cluster = await shared.cluster;
  project.provide("redisCluster", { seeds: cluster.seeds, password: cluster.password, nodes: cluster.nodes });
  return async () => {
    if (--shared.users > 0) return;
    registry[KEY] = undefined;
    await cluster.stop();
  };
}
