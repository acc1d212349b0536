/** The three servers the bench compares, started the same way on the same cluster. */
import { TEST_REDIS_PASSWORD } from "../../test/harness/redis-cli.js";
import { ServerProcess } from "./server-process.js";

/** `coalesced`: the stock sharded baseline plus src/http/write-coalescing.ts, to measure that alone. */
export type ServerKind = "ours" | "classic" | "sharded" | "coalesced";

export const KIND_LABELS: Record<ServerKind, string> = {
  ours: "this server",
  classic: "stock + classic adapter",
  sharded: "stock + sharded adapter",
  coalesced: "stock sharded + write coalescing",
};

export interface StartOptions {
  kind: ServerKind;
  replicas: number;
  /** REDIS_CLUSTER_NODES: host:port,host:port */
  seeds: string;
  /** Extra node flags for every replica (e.g. `--cpu-prof --cpu-prof-dir=...`). */
  nodeArgs: string[];
  /** Tick of the `coalesced` kind, and this server's WRITE_COALESCING_MS. */
  coalesceMs: number;
  /** This server's ACK_REPLICAS. */
  ackReplicas: string;
  /** This server's BATCH_TICK_MS. */
  batchTickMs: number;
}

/** Starts `replicas` processes of one kind; on failure stops the ones that did start. */
export async function startServers(
  options: StartOptions,
  register: (name: string, stop: () => Promise<void>) => void,
): Promise<ServerProcess[]> {
  const started: ServerProcess[] = [];
  for (let i = 0; i < options.replicas; i++) {
    const server =
      options.kind === "ours"
        ? await ServerProcess.start({
            // BENCH_OURS_SCRIPT: another checkout's src/main.ts, to compare this server with an older version of itself.
            script: process.env.BENCH_OURS_SCRIPT ?? "src/main.ts",
            args: [],
            nodeArgs: options.nodeArgs,
            env: {
              REDIS_CLUSTER_NODES: options.seeds,
              REDIS_PASSWORD: TEST_REDIS_PASSWORD,
              PORT: "0",
              HOST: "127.0.0.1",
              LOG_LEVEL: "info",
              // The load is many connections from one address, sending faster than a person.
              RATE_LIMIT_PER_SEC: "100000",
              RATE_LIMIT_BURST: "100000",
              RATE_LIMIT_PER_IP_PER_SEC: "1000000",
              RATE_LIMIT_PER_USER_PER_SEC: "1000000",
              MAX_CONNECTIONS_PER_IP: "1000000",
              WRITE_COALESCING_MS: String(options.coalesceMs),
              ACK_REPLICAS: options.ackReplicas,
              BATCH_TICK_MS: String(options.batchTickMs),
            },
          })
        : await ServerProcess.start({
            script: "bench/baselines/stock-server.ts",
            args:
              options.kind === "coalesced"
                ? ["--adapter", "sharded", "--nodes", options.seeds, "--coalesce-ms", String(options.coalesceMs)]
                : ["--adapter", options.kind, "--nodes", options.seeds],
            nodeArgs: options.nodeArgs,
            env: { REDIS_PASSWORD: TEST_REDIS_PASSWORD },
          });
    register(`${options.kind} replica ${server.pid}`, () => server.stop());
    started.push(server);
  }
  return started;
}
