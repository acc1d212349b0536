/**
 * A real Redis Cluster for tests and benchmarks: `redis-server` processes on free loopback ports,
 * configured by redis-cluster/node.conf and created by redis-cluster/bootstrap.sh, the same files
 * docker-compose.yml uses.
 */
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort } from "./free-port.js";
import { makeHarnessDir } from "./harness-dir.js";
import { spawnHarnessProcess, type HarnessProcess } from "./harness-process.js";
import type { OutputLines } from "./output-lines.js";
import { parseClusterNodes, parseInfo, redisCli, TEST_REDIS_PASSWORD, type ClusterNodeState } from "./redis-cli.js";

export { TEST_REDIS_PASSWORD };

const REDIS_DIR = fileURLToPath(new URL("../../redis-cluster/", import.meta.url));
export const NODE_CONF = join(REDIS_DIR, "node.conf");
export const BOOTSTRAP_SCRIPT = join(REDIS_DIR, "bootstrap.sh");
const HOST = "127.0.0.1";
const SLOTS = 16_384;

export interface RedisClusterOptions {
  /** @default 3 */
  masters: number;
  /** @default 1 */
  replicasPerMaster: number;
  /** `cluster-node-timeout`: how long a master may be silent before failover. @default node.conf's (3000) */
  nodeTimeoutMs: number | undefined;
  /** Starting every node and bootstrapping the cluster. @default 60000 */
  startTimeoutMs: number;
  /** More `redis-server` arguments for every node, e.g. `["--appendonly", "no"]`. @default [] */
  extraArgs: string[];
}

const defaults: RedisClusterOptions = {
  masters: 3,
  replicasPerMaster: 1,
  nodeTimeoutMs: undefined,
  startTimeoutMs: 60_000,
  extraArgs: [],
};

export interface RedisNodeInfo {
  host: string;
  port: number;
  /** Cluster bus port, always port + 10000. */
  busPort: number;
  /** Role right after bootstrap; `topology()` tells the current one. */
  role: "master" | "replica";
}

/** What a test needs to reach a running cluster: plain data, so globalSetup can `provide` it. */
export interface RedisClusterInfo {
  /** The `REDIS_CLUSTER_NODES` value: "127.0.0.1:p1,127.0.0.1:p2,...". */
  seeds: string;
  /** The `REDIS_PASSWORD` value (every harness node has it). */
  password: string;
  nodes: RedisNodeInfo[];
}

/** Read-only helpers over a running cluster. */
export interface RedisClusterClient extends RedisClusterInfo {
  /** `redis-cli -p port ...args`; resolves with its stdout. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** `INFO [section]` of one node as a field map. */
  info(port: number, section?: string): Promise<Record<string, string>>;
  /** `CLUSTER INFO` of one node as a field map (cluster_state, cluster_stats_messages_*...). */
  clusterInfo(port: number): Promise<Record<string, string>>;
  /** `CLUSTER NODES` as seen by the first node that answers. */
  topology(): Promise<ClusterNodeState[]>;
  /** `CLUSTER KEYSLOT key`: the slot of a key or of a sharded pub/sub channel. */
  slotOf(key: string): Promise<number>;
  /** The current master serving a key's (or channel's) slot, or a slot number. */
  masterFor(keyOrSlot: string | number): Promise<ClusterNodeState>;
  /**
   * Resolves once every live node says cluster_state:ok, every live replica is in sync, and all
   * live nodes agree on who is master, replica and failed (e.g. after a failover or a restart).
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
}

export interface RedisClusterHandle extends RedisClusterClient {
  /** Signals one node (SIGKILL by default) and resolves once it has exited. */
  killNode(port: number, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Freezes a node (SIGSTOP): it holds its connections but answers nothing, like a hung host; the
   * others fail it over after cluster-node-timeout. Helpers skip no paused node: call `resumeNode`.
   */
  pauseNode(port: number): void;
  /** SIGCONT for a paused node. */
  resumeNode(port: number): void;
  /** Starts a killed node again on its port and data directory, so it rejoins with its identity. */
  restartNode(port: number): Promise<void>;
  /** The last lines a node logged, for failure messages. */
  logs(port: number): string;
  /** Kills every node and removes the data directories. Safe to call twice. */
  stop(): Promise<void>;
}

/** Helpers over a cluster started elsewhere (e.g. by the vitest globalSetup, via `inject`). */
export function attachRedisCluster(info: RedisClusterInfo, isUp: (port: number) => boolean = () => true): RedisClusterClient {
  const cli = (port: number, ...args: string[]) => redisCli(port, args, { host: HOST });

  async function topology(): Promise<ClusterNodeState[]> {
    let lastError: unknown = new Error("no live node");
    for (const node of info.nodes) {
      if (!isUp(node.port)) continue;
      try {
        return parseClusterNodes(await cli(node.port, "CLUSTER", "NODES"));
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  async function anyLivePort(): Promise<number> {
    const node = info.nodes.find((n) => isUp(n.port));
    if (!node) throw new Error("no live node");
    return node.port;
  }

  async function slotOf(key: string): Promise<number> {
    return Number((await cli(await anyLivePort(), "CLUSTER", "KEYSLOT", key)).trim());
  }

  /** Every live node: state ok, replica in sync, and the same view of roles and failures. */
  async function healthy(): Promise<boolean> {
    const views = new Set<string>();
    for (const node of info.nodes) {
      if (!isUp(node.port)) continue;
      try {
        if ((await clusterInfoOf(node.port)).cluster_state !== "ok") return false;
        const replication = parseInfo(await cli(node.port, "INFO", "replication"));
        if (replication.role === "slave" && replication.master_link_status !== "up") return false;
        const view = parseClusterNodes(await cli(node.port, "CLUSTER", "NODES"));
        views.add(view.map((n) => `${n.id}:${n.role}:${n.failing}`).sort().join(" "));
      } catch {
        return false;
      }
    }
    return views.size === 1;
  }

  async function clusterInfoOf(port: number): Promise<Record<string, string>> {
    return parseInfo(await cli(port, "CLUSTER", "INFO"));
  }

  return {
    seeds: info.seeds,
    password: info.password,
    nodes: info.nodes,
    cli,
    async info(port, section) {
      return parseInfo(await cli(port, "INFO", ...(section ? [section] : [])));
    },
    clusterInfo: clusterInfoOf,
    topology,
    slotOf,
    async masterFor(keyOrSlot) {
      const slot = typeof keyOrSlot === "number" ? keyOrSlot : await slotOf(keyOrSlot);
      if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new Error(`bad slot ${slot}`);
      const master = (await topology()).find(
        (n) => n.role === "master" && !n.failing && n.slots.some(([from, to]) => slot >= from && slot <= to),
      );
      if (!master) throw new Error(`no master serves slot ${slot}`);
      return master;
    },
    async waitUntilHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      // Redis has no event to await here; poll briefly, bounded by the deadline.
      while (!(await healthy())) {
        if (Date.now() > deadline) throw new Error(`Redis Cluster not healthy within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

type RunningNode = HarnessProcess;

function spawnNode(port: number, dir: string, options: RedisClusterOptions): Promise<RunningNode> {
  mkdirSync(dir, { recursive: true });
  const args = [NODE_CONF, "--port", String(port), "--bind", HOST, "--dir", dir, "--pidfile", join(dir, "redis.pid")];
  // Replicas authenticate to their master with the same password (masterauth).
  args.push("--requirepass", TEST_REDIS_PASSWORD, "--masterauth", TEST_REDIS_PASSWORD);
  if (options.nodeTimeoutMs !== undefined) args.push("--cluster-node-timeout", String(options.nodeTimeoutMs));
  const { child, output, exited } = spawnHarnessProcess("redis-server", [...args, ...options.extraArgs], { maxLines: 500 });
  const ready = (line: string) => (line.includes("Ready to accept connections") ? true : undefined);
  return output.waitFor(ready, options.startTimeoutMs, exited).then(
    (): RunningNode => ({ child, output, exited }),
    (err: Error) => {
      child.kill("SIGKILL");
      throw new Error(`redis-server on port ${port} did not start: ${err.message}\n${output.tail(10)}`);
    },
  );
}

function runBootstrap(addresses: string[], replicas: number, timeoutMs: number): Promise<void> {
  const args = [BOOTSTRAP_SCRIPT, "--replicas", String(replicas), "--timeout", String(Math.ceil(timeoutMs / 1000)), ...addresses];
  return new Promise((resolve, reject) => {
    execFile("sh", args, { timeout: timeoutMs + 5_000, env: { ...process.env, REDIS_PASSWORD: TEST_REDIS_PASSWORD } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bootstrap.sh failed: ${err.message}\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      else resolve();
    });
  });
}

/** Starts `masters * (1 + replicasPerMaster)` nodes and bootstraps them into one healthy cluster. */
export async function startRedisCluster(options: Partial<RedisClusterOptions> = {}): Promise<RedisClusterHandle> {
  const opts = { ...defaults, ...options } satisfies RedisClusterOptions;
  const total = opts.masters * (1 + opts.replicasPerMaster);
  const dir = makeHarnessDir("redis");
  const running = new Map<number, RunningNode>();
  // Kept after a node is killed: its last lines are what a failing fault test wants to see.
  const outputs = new Map<number, OutputLines>();
  const nodeDir = (port: number) => join(dir.path, `node-${port}`);
  let stopped = false;

  async function stop(): Promise<void> {
    stopped = true;
    const nodes = [...running.values()];
    running.clear();
    for (const node of nodes) node.child.kill("SIGKILL");
    await Promise.all(nodes.map((n) => n.exited));
    dir.remove();
  }

  const nodes: RedisNodeInfo[] = [];
  const info: RedisClusterInfo = { seeds: "", password: TEST_REDIS_PASSWORD, nodes };
  const client = attachRedisCluster(info, (port) => running.has(port));
  try {
    const ports: number[] = [];
    for (let attempt = 0; ports.length < total; attempt++) {
      if (attempt > total + 20) throw new Error("could not bind enough Redis ports");
      // Below the ephemeral range, with the bus port (+10000) free too. A port another run takes
      // between the check and redis-server's bind makes the node exit; try another one.
      const port = await findFreePort({ min: 10_000, max: 22_767, offsets: [0, 10_000], exclude: new Set(ports) });
      try {
        const node = await spawnNode(port, nodeDir(port), opts);
        running.set(port, node);
        outputs.set(port, node.output);
        ports.push(port);
      } catch (err) {
        if (!/in use|Failed listening/i.test(String(err))) throw err;
      }
    }
    await runBootstrap(
      ports.map((p) => `${HOST}:${p}`),
      opts.replicasPerMaster,
      opts.startTimeoutMs,
    );
    for (const port of ports) nodes.push({ host: HOST, port, busPort: port + 10_000, role: "replica" });
    info.seeds = nodes.map((n) => `${n.host}:${n.port}`).join(",");
    const roles = new Map((await client.topology()).map((n) => [n.port, n.role]));
    for (const node of nodes) node.role = roles.get(node.port) ?? "replica";
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    ...client,
    seeds: info.seeds,
    password: info.password,
    nodes: info.nodes,
    async killNode(port, signal = "SIGKILL") {
      if (signal === "SIGSTOP" || signal === "SIGCONT") throw new Error("use pauseNode/resumeNode");
      const node = running.get(port);
      if (!node) throw new Error(`no running node on port ${port}`);
      running.delete(port);
      node.child.kill(signal);
      await node.exited;
    },
    pauseNode(port) {
      const node = running.get(port);
      if (!node) throw new Error(`no running node on port ${port}`);
      node.child.kill("SIGSTOP");
    },
    resumeNode(port) {
      running.get(port)?.child.kill("SIGCONT");
    },
    async restartNode(port) {
      if (stopped) throw new Error("cluster stopped");
      if (running.has(port)) throw new Error(`node ${port} is running`);
      if (!info.nodes.some((n) => n.port === port)) throw new Error(`port ${port} is not a node of this cluster`);
      const node = await spawnNode(port, nodeDir(port), opts);
      running.set(port, node);
      outputs.set(port, node.output);
    },
    logs(port) {
      return outputs.get(port)?.tail(40) ?? `(no node on port ${port})`;
    },
    stop,
  };
}
