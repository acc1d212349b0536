/**
 * Who is master of which slots and which replicas are online, as the cluster itself says
 * (`CLUSTER SHARDS`), refreshed in the background and on demand.
 *
 * Why we keep our own view beside node-redis's: (1) an ack waits for the shard's replica only when
 * it has one online (`required`), and after a failed wait we must know whether the node we wrote to
 * is still the master *according to the other nodes* before accepting the write with no copy;
 * (2) node-redis learns about a failover only from MOVED replies or reconnects, so a master that
 * hangs (SIGSTOP, a frozen VM) keeps every command waiting until it comes back; noticing here that
 * the slots moved lets the runtime ask node-redis to rediscover.
 */
import type { Logger } from "pino";
import { withDeadline } from "../util/with-deadline.js";

export interface ShardView {
  /** Inclusive slot ranges. */
  slots: [number, number][];
  /** Master address as clients reach it (`endpoint:port`), or undefined while there is none. */
  master: string | undefined;
  /** Every address the master answers to (endpoint, ip, hostname), for matching. */
  masterAliases: string[];
  /** Replicas not marked failed (`online` or still `loading`). */
  onlineReplicas: number;
}

export interface ClusterTopologyOptions {
  /** Background refresh period. @default 1000 */
  refreshMs: number;
  /** Longest wait for one `CLUSTER SHARDS` answer. @default 1000 */
  queryTimeoutMs: number;
}

export const defaultClusterTopologyOptions: ClusterTopologyOptions = { refreshMs: 1_000, queryTimeoutMs: 1_000 };

export interface ClusterTopologyDeps {
  /** `CLUSTER SHARDS` from some node, preferably not `exclude` (host:port). */
  shards(exclude?: string): Promise<unknown>;
  logger: Logger;
  /** Called after each refresh with the new view (e.g. to compare with the client's slot map). */
  onRefresh?: (shards: ShardView[]) => void;
}

type Rec = Record<string, unknown>;

/** RESP3 maps arrive as objects (or Maps), RESP2 as flat [key, value, ...] arrays. */
function record(value: unknown): Rec {
  if (value instanceof Map) return Object.fromEntries(value) as Rec;
  if (Array.isArray(value)) {
    const out: Rec = {};
    for (let i = 0; i + 1 < value.length; i += 2) out[String(value[i])] = value[i + 1];
    return out;
  }
  return (value ?? {}) as Rec;
}

/** Parses a `CLUSTER SHARDS` reply (Redis >= 7.0). */
export function parseClusterShards(reply: unknown): ShardView[] {
  if (!Array.isArray(reply)) throw new Error("CLUSTER SHARDS: unexpected reply");
  return reply.map((raw) => {
    const shard = record(raw);
    const flat = (shard.slots as unknown[] | undefined ?? []).map(Number);
    const slots: [number, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) slots.push([flat[i]!, flat[i + 1]!]);
    let master: string | undefined;
    let masterAliases: string[] = [];
    let onlineReplicas = 0;
    for (const rawNode of (shard.nodes as unknown[] | undefined) ?? []) {
      const node = record(rawNode);
      const port = Number(node.port ?? node["tls-port"]);
      // Health is "online", "loading" (a replica still syncing, or whose offset the others have
      // not heard yet) or "failed" ("fail" in some versions). A loading replica is still there:
      // waiting for it is right, it catches up within moments.
      const healthy = node.health !== "failed" && node.health !== "fail";
      if (node.role === "master" && healthy) {
        const hosts = [node.endpoint, node.ip, node.hostname].filter((h): h is string => typeof h === "string" && h !== "" && h !== "?");
        masterAliases = [...new Set(hosts)].map((h) => `${h}:${port}`);
        master = masterAliases[0];
      } else if (node.role === "replica" && healthy) {
        onlineReplicas++;
      }
    }
    return { slots, master, masterAliases, onlineReplicas };
  });
}

export class ClusterTopology {
  private readonly opts: ClusterTopologyOptions;
  private shards: ShardView[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: ClusterTopologyDeps,
    options: Partial<ClusterTopologyOptions> = {},
  ) {
    this.opts = { ...defaultClusterTopologyOptions, ...options } satisfies ClusterTopologyOptions;
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The shard serving `slot` in the last view, if any. */
  shardOf(slot: number): ShardView | undefined {
    return this.shards.find((s) => s.slots.some(([from, to]) => slot >= from && slot <= to));
  }

  /** Whether the last view says `address` is the master serving `slot`. */
  isMasterOf(address: string, slot: number): boolean {
    return this.shardOf(slot)?.masterAliases.includes(address) === true;
  }

  /**
   * Refreshes the view from a node other than `exclude` when one answers (a node that was frozen
   * and just resumed may still believe it is master; the others know better). Concurrent calls
   * share one query. Failures keep the previous view and are logged.
   */
  refresh(exclude?: string): Promise<void> {
    this.running ??= this.query(exclude).finally(() => (this.running = undefined));
    return this.running;
  }

  private async query(exclude?: string): Promise<void> {
    try {
      const reply = await withDeadline(this.deps.shards(exclude), this.opts.queryTimeoutMs, () => new Error("CLUSTER SHARDS timed out"));
      this.shards = parseClusterShards(reply);
      this.deps.onRefresh?.(this.shards);
    } catch (err) {
      this.deps.logger.debug({ err }, "cluster topology refresh failed; keeping the last view");
    }
  }
}
