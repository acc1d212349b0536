/**
 * vitest globalSetup: one 6-node Redis Cluster (3 masters, 3 replicas) for the whole suite, started
 * once (about 3 s) instead of per file. Test files reach it with `inject("redisCluster")` (typed in
 * test/support/provided-context.ts) and `attachRedisCluster()` for redis-cli helpers. Tests that
 * kill or restart nodes must start their own cluster with `startRedisCluster()`.
 */
import type { TestProject } from "vitest/node";
import { startRedisCluster } from "./harness/redis-cluster.js";
import "./support/provided-context.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster();
  project.provide("redisCluster", { seeds: cluster.seeds, nodes: cluster.nodes });
  return () => cluster.stop();
}
