/** Values test/global-setup.ts provides to every test file through vitest's inject(). */
declare module "vitest" {
  export interface ProvidedContext {
    /** REDIS_CLUSTER_NODES of the suite's shared 6-node cluster: "127.0.0.1:p1,127.0.0.1:p2,...". */
    redisClusterSeeds: string;
  }
}

export {};
