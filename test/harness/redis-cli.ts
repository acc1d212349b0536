/** Runs redis-cli against one node, the way an operator would, and parses its INFO-style replies. */
import { execFile } from "node:child_process";

/**
 * The password of every node the harness starts (requirepass and masterauth), so the whole suite
 * runs against password-protected Redis, as compose does. Loopback only; not a secret.
 */
export const TEST_REDIS_PASSWORD = "test-redis-password-0123456789";

export interface RedisCliOptions {
  /** @default "127.0.0.1" */
  host: string;
  /** @default 10000 */
  timeoutMs: number;
}

/**
 * Runs `redis-cli -h host -p port ...args`; resolves with stdout (raw format), rejects on an error
 * reply. redis-cli exits 0 after an error reply, so errors are told by their prefix: a plain value
 * that starts with "ERR " would be taken for one.
 */
export function redisCli(port: number, args: string[], options: Partial<RedisCliOptions> = {}): Promise<string> {
  const { host = "127.0.0.1", timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    // REDISCLI_AUTH: redis-cli's way to take a password off the command line; a node without one only warns.
    const env = { ...process.env, REDISCLI_AUTH: TEST_REDIS_PASSWORD };
    execFile("redis-cli", ["-h", host, "-p", String(port), ...args], { timeout: timeoutMs, env }, (err, stdout, stderr) => {
      const errorReply = /^(ERR|MOVED|ASK|CLUSTERDOWN|LOADING|READONLY|NOAUTH|WRONGTYPE)\b/.test(stdout);
      if (err || errorReply) {
        reject(new Error(`redis-cli -p ${port} ${args.join(" ")}: ${(stderr || stdout || String(err)).trim()}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** Parses `INFO` / `CLUSTER INFO` output into a field map. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

export interface ClusterNodeState {
  id: string;
  host: string;
  /** The name the node announces (cluster-announce-hostname), if any. */
  hostname: string | undefined;
  port: number;
  role: "master" | "replica";
  /** The master's id, for a replica. */
  masterId: string | undefined;
  /** Slot ranges served, inclusive, for a master. */
  slots: [number, number][];
  /** Flagged `fail` (or `fail?`) by the node that answered. */
  failing: boolean;
  linkConnected: boolean;
}

/** Parses `CLUSTER NODES`. */
export function parseClusterNodes(text: string): ClusterNodeState[] {
  const nodes: ClusterNodeState[] = [];
  for (const line of text.split("\n")) {
    const parts = line.trim().split(" ");
    if (parts.length < 8) continue;
    const [id, address, flags, master, , , , link, ...slotSpecs] = parts as [string, string, string, string, ...string[]];
    // address is ip:port@busport[,hostname]
    const [endpoint = "", hostname] = address.split(",");
    const hostPort = endpoint.split("@")[0] ?? "";
    const colon = hostPort.lastIndexOf(":");
    const flagSet = new Set(flags.split(","));
    nodes.push({
      id,
      host: hostPort.slice(0, colon),
      hostname: hostname || undefined,
      port: Number(hostPort.slice(colon + 1)),
      role: flagSet.has("master") ? "master" : "replica",
      masterId: master === "-" ? undefined : master,
      slots: slotSpecs
        .filter((s) => !s.startsWith("[")) // slots being migrated are listed as [slot->-id]
        .map((s) => {
          const [from, to] = s.split("-").map(Number) as [number, number | undefined];
          return [from, to ?? from] as [number, number];
        }),
      failing: flagSet.has("fail") || flagSet.has("fail?"),
      linkConnected: link === "connected",
    });
  }
  return nodes;
}
