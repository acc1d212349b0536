import type { RedisClusterInfo } from "../harness/redis-cluster.js";

/** Values test/global-setup.ts provides to every test file through vitest's inject(). */
declare module "vitest" {
  export interface ProvidedContext {
    /** The suite's shared 6-node Redis Cluster (3 masters, 3 replicas). */
    redisCluster: RedisClusterInfo;
  }
}

export {};
