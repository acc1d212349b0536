/**
 * The servers the browsers talk to: two chat replicas (separate processes, as in production) on the
 * shared Redis Cluster of the test run, so each browser context can sit on a different replica.
 */
import { inject } from "vitest";
import { mintToken } from "../../src/auth/token.js";
import { attachRedisCluster } from "../harness/redis-cluster.js";
import { startReplica, startReplicas, type Replica } from "../harness/replica.js";
import { TEST_SECRET } from "../support/embedded-server.js";

export interface Targets {
  /** Base URLs of replica 0 and replica 1. */
  urls: [string, string];
  streamerToken(name: string, rooms: string[]): Promise<string>;
  /** Stops replica `i` gracefully; the returned function starts it again on the same port. */
  stopReplica(i: 0 | 1): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** FLOOD_PENALTY_SEC of the e2e replicas. */
export const E2E_FLOOD_PENALTY_SEC = 2;

export async function startTargets(): Promise<Targets> {
  const cluster = attachRedisCluster(inject("redisCluster"));
  // Every page and test client connects from 127.0.0.1: the limits across one IP's connections are
  // lifted (the fast-room test sends from 25 connections at once), and the flood penalty (by IP) is
  // kept short, so the page that floods can reconnect and other pages are not held off for a minute.
  const env = {
    REDIS_CLUSTER_NODES: cluster.seeds,
    AUTH_SECRET: TEST_SECRET,
    RATE_LIMIT_PER_IP_PER_SEC: "1000000",
    RATE_LIMIT_PER_USER_PER_SEC: "1000000",
    FLOOD_PENALTY_SEC: String(E2E_FLOOD_PENALTY_SEC),
  };
  const replicas: Replica[] = await startReplicas(2, { env });
  const urls = replicas.map((r) => r.url) as [string, string];
  return {
    urls,
    streamerToken: (name, rooms) =>
      mintToken({ sub: `streamer-${name.toLowerCase()}`, name, role: "streamer", rooms }, TEST_SECRET),
    async stopReplica(i) {
      const { port } = replicas[i]!;
      await replicas[i]!.stop();
      return async () => {
        replicas[i] = await startReplica({ env, port });
      };
    },
    close: async () => {
      await Promise.all(replicas.map((r) => r.stop()));
    },
  };
}
