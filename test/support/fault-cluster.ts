/**
 * The setup every fault test shares: a Redis Cluster of its own (it will kill or freeze nodes),
 * chat replicas on it, and clients that are closed after the file.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { startRedisCluster, type RedisClusterHandle } from "../harness/redis-cluster.js";
import { startReplicas, type Replica } from "../harness/replica.js";
import { connectClient, join, type ChatClient } from "./clients.js";
import { FAST, TEST_SECRET } from "./embedded-server.js";

export interface FaultCluster {
  cluster(): RedisClusterHandle;
  replicas(): Replica[];
  /** Connects one client per replica (in order) and joins each to `room`; closed after the file. */
  joinedClients(room: string, urls?: string[]): Promise<ChatClient[]>;
  /** Runs after the file, before the replicas and the cluster stop (e.g. to lift an iptables rule). */
  onTeardown(fn: () => unknown): void;
}

/**
 * Registers beforeAll/afterAll for a file: a 6-node cluster with a 2 s node timeout (quick
 * failovers) and `replicaCount` replicas with fast rate limits, a 300 ms replication wait and a
 * long history (the tests read it whole), plus `env`.
 */
export function useFaultCluster(replicaCount: number, env: Record<string, string> = {}): FaultCluster {
  let cluster: RedisClusterHandle | undefined;
  let replicas: Replica[] = [];
  const sockets: ChatClient[] = [];
  const teardown: (() => unknown)[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 2_000 });
    replicas = await startReplicas(replicaCount, {
      env: { REDIS_CLUSTER_NODES: cluster.seeds, AUTH_SECRET: TEST_SECRET, ACK_TIMEOUT_MS: "300", HISTORY_SIZE: "5000", ...FAST, ...env },
    });
  });
  afterAll(async () => {
    for (const fn of teardown.splice(0)) await fn();
    for (const s of sockets.splice(0)) s.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await cluster?.stop();
  });
  return {
    cluster: () => cluster!,
    replicas: () => replicas,
    async joinedClients(room, urls = replicas.map((r) => r.url)) {
      const clients: ChatClient[] = [];
      for (const url of urls) {
        const s = await connectClient(url);
        sockets.push(s);
        clients.push(s);
        expect((await join(s, room)).ok).toBe(true);
      }
      return clients;
    },
    onTeardown: (fn) => void teardown.push(fn),
  };
}
