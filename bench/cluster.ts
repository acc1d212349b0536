/**
 * The bench's Redis Cluster: the test harness's (redis-cluster/node.conf, the same settings as the
 * deployment), reduced to what the bench needs.
 */
import { startRedisCluster } from "../test/harness/redis-cluster.js";

export interface BenchCluster {
  /** Client ports of every node, masters and replicas. */
  ports: number[];
  /** REDIS_CLUSTER_NODES */
  seeds: string;
  stop(): Promise<void>;
}

export async function startBenchCluster(masters: number, replicasPerMaster: number): Promise<BenchCluster> {
  const cluster = await startRedisCluster({ masters, replicasPerMaster });
  return { ports: cluster.nodes.map((n) => n.port), seeds: cluster.seeds, stop: () => cluster.stop() };
}
