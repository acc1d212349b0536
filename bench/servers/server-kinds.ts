/** The servers the bench compares, started the same way on the same cluster. */
import { join } from "node:path";
import { TEST_REDIS_PASSWORD } from "../../test/harness/redis-cli.js";
import { ServerProcess } from "./server-process.js";

/**
 * - `ours`: this server as shipped (its clients speak batches, SDK senders, unless `--our-clients plain`).
 * - `ours-ack0`: the same with ACK_REPLICAS=0, to show what waiting for the shard's replica costs.
 * - `ours-plain`: the same server, its clients plain v1 socket.io-client (no batches).
 * - `ours-nodeflate`: this server with WS_DEFLATE=false: shared frames, never compressed (wire bytes
 *   and CPU without permessage-deflate; lean viewers offer it, as browsers do).
 * - `before`: this server at an older commit (`--before DIR`, a checkout of it), plain v1 clients:
 *   the before of a before/after.
 * - `classic` / `sharded`: stock Socket.IO with the stock Redis adapter.
 * - `coalesced`: the stock sharded baseline plus src/engine/write-coalescing.ts, to measure that alone.
 */
export type ServerKind = "ours" | "ours-ack0" | "ours-plain" | "ours-nodeflate" | "before" | "classic" | "sharded" | "coalesced";

export const SERVER_KINDS: readonly ServerKind[] = ["ours", "ours-ack0", "ours-plain", "ours-nodeflate", "before", "classic", "sharded", "coalesced"];

export const KIND_LABELS: Record<ServerKind, string> = {
  ours: "this server",
  "ours-ack0": "this server, ACK_REPLICAS=0",
  "ours-plain": "this server, v1 clients",
  "ours-nodeflate": "this server, WS_DEFLATE=false",
  before: "this server before (--before)",
  classic: "stock + classic adapter",
  sharded: "stock + sharded adapter",
  coalesced: "stock sharded + write coalescing",
};

/** Kinds that run this server's code (src/main.ts of this checkout or of `--before`). */
export function isOurs(kind: ServerKind): boolean {
  return kind === "ours" || kind === "ours-ack0" || kind === "ours-plain" || kind === "ours-nodeflate" || kind === "before";
}

/** Whether a kind's load clients speak protocol v1.1 batches (with SDK senders) rather than v1. */
export function speaksBatches(kind: ServerKind, ourClients: "sdk" | "plain"): boolean {
  return (kind === "ours" || kind === "ours-ack0" || kind === "ours-nodeflate") && ourClients === "sdk";
}

export interface StartOptions {
  kind: ServerKind;
  replicas: number;
  /** REDIS_CLUSTER_NODES: host:port,host:port */
  seeds: string;
  /** Extra node flags for every replica (e.g. `--cpu-prof --cpu-prof-dir=...`). */
  nodeArgs: string[];
  /** Tick of the `coalesced` kind, and this server's WRITE_COALESCING_MS. */
  coalesceMs: number;
  /** This server's ACK_REPLICAS (`ours`, `ours-plain`; `ours-ack0` is always 0). */
  ackReplicas: string;
  /** This server's BATCH_TICK_MS. */
  batchTickMs: number;
  /** The checkout the `before` kind runs (its src/main.ts). @default undefined */
  beforeDir?: string;
}

/** Starts `replicas` processes of one kind; on failure stops the ones that did start. */
export async function startServers(
  options: StartOptions,
  register: (name: string, stop: () => Promise<void>) => void,
): Promise<ServerProcess[]> {
  if (options.kind === "before" && !options.beforeDir) throw new Error("kind before needs --before DIR (a checkout of the older commit)");
  const started: ServerProcess[] = [];
  for (let i = 0; i < options.replicas; i++) {
    const server = isOurs(options.kind)
      ? await ServerProcess.start({
          // BENCH_OURS_SCRIPT: another checkout's src/main.ts for every kind of this server (`--before` is per kind).
          script: options.kind === "before" ? join(options.beforeDir!, "src/main.ts") : (process.env.BENCH_OURS_SCRIPT ?? "src/main.ts"),
          args: [],
          nodeArgs: options.nodeArgs,
          env: {
            REDIS_CLUSTER_NODES: options.seeds,
            // The bench's cluster is the test harness's, which has a password. A `before` older than
            // REDIS_PASSWORD support cannot connect to it (see bench/README.md).
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
            ACK_REPLICAS: options.kind === "ours-ack0" ? "0" : options.ackReplicas,
            BATCH_TICK_MS: String(options.batchTickMs),
            ...(options.kind === "ours-nodeflate" ? { WS_DEFLATE: "false" } : {}),
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
