/**
 * Writes that count as done only once the shard's replica has them: a Lua script on the key's
 * master, then `WAIT` on the same connection.
 *
 * Why WAIT on the same connection: WAIT blocks until the replicas acknowledged the replication
 * offset of the connection's last write, so it must follow the write on that connection. Group
 * commit: one WAIT covers every write queued on the connection before it, so writes that find a
 * WAIT queued after them share it (commands are numbered as they are queued; a reconnect in between
 * voids the cover). The writer connections carry nothing else, so a WAIT that blocks while a
 * replica lags holds up only writes.
 *
 * When the replica does not confirm in time, the write is reported unconfirmed (the caller fails
 * the request with `unavailable` and the client retries with the same dedup key), unless the shard
 * truly has no replica left: the topology, asked of another node, says the node we wrote to is
 * still the slot's master and it has no online replica (or the master reports none connected).
 * Then a copy on one node is the best there is (ACK_REPLICAS is "when the shard has a replica").
 */
import type { Logger } from "pino";
import type { ClusterTopology } from "./cluster-topology.js";
import { runOnNode, type LuaScript, type RawCommands } from "./lua-script.js";

/** A node connection as node-redis gives it: raw commands, and an event per (re)connect. */
export interface NodeConnection extends RawCommands {
  on(event: "connect", listener: () => void): unknown;
}

/** Where a key's writes go now: the master serving its slot. */
export interface WriteRoute {
  node: NodeConnection;
  /** `host:port` as the client reaches it ("standalone" without a cluster). */
  address: string;
  slot: number;
}

export interface ReplicatedWritesOptions {
  /** Replicas that must confirm a write (capped by the shard's online replicas on a cluster). @default 1 */
  replicas: number;
  /** Longest WAIT for them. @default 1000 */
  timeoutMs: number;
  /** After a shortfall accepted because the replica is gone, skip the wait for this long. @default 1000 */
  degradedHoldMs: number;
}

export const defaultReplicatedWritesOptions: ReplicatedWritesOptions = { replicas: 1, timeoutMs: 1_000, degradedHoldMs: 1_000 };

export interface ReplicatedWritesDeps {
  route(key: string): Promise<WriteRoute>;
  /** Cluster only: the shards' health. Without it the configured replica count is always required. */
  topology?: ClusterTopology;
  logger: Logger;
  /** Observes each WAIT's latency in seconds. */
  onWait?: (seconds: number) => void;
  /** Counts replication shortfalls: refused (unconfirmed) or accepted with no replica left. */
  onShortfall?: (outcome: "refused" | "degraded") => void;
  now?: () => number;
}

interface WaitRun {
  seq: number;
  epoch: number;
  replicas: number;
  acked: Promise<number>;
}

interface ConnectionState {
  epoch: number;
  seq: number;
  lastWait?: WaitRun;
}

/** One write in progress: run its script, then confirm it. */
export interface ReplicatedWrite {
  /** Replicas this write must reach; 0 means it is durable once the script returns. */
  readonly required: number;
  run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown>;
  /** Resolves true once confirmed (or accepted with no replica left); false when it is not. */
  confirm(): Promise<boolean>;
}

export class ReplicatedWrites {
  private readonly opts: ReplicatedWritesOptions;
  private readonly states = new WeakMap<NodeConnection, ConnectionState>();
  /** Masters whose replica is known gone: address -> until when their writes skip the wait. */
  private readonly degraded = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly deps: ReplicatedWritesDeps,
    options: Partial<ReplicatedWritesOptions> = {},
  ) {
    this.opts = { ...defaultReplicatedWritesOptions, ...options } satisfies ReplicatedWritesOptions;
    this.now = deps.now ?? Date.now;
  }

  /** Starts a write to `key`'s master. */
  async begin(key: string): Promise<ReplicatedWrite> {
    const route = await this.deps.route(key);
    const state = this.state(route.node);
    const required = this.required(route);
    let stamp = { epoch: state.epoch, seq: 0 };
    return {
      required,
      run: (script, keys, args) =>
        runOnNode(route.node, script, keys, args, () => {
          stamp = { epoch: state.epoch, seq: ++state.seq };
        }),
      confirm: () => (required === 0 ? Promise.resolve(true) : this.confirm(route, state, stamp, required)),
    };
  }

  private required(route: WriteRoute): number {
    const { replicas } = this.opts;
    if (replicas === 0) return 0;
    if ((this.degraded.get(route.address) ?? 0) > this.now()) return 0;
    const topology = this.deps.topology;
    // Trust "no replica" only for the node the cluster itself calls this slot's master.
    if (!topology?.isMasterOf(route.address, route.slot)) return replicas;
    return Math.min(replicas, topology.shardOf(route.slot)?.onlineReplicas ?? replicas);
  }

  private async confirm(route: WriteRoute, state: ConnectionState, stamp: { epoch: number; seq: number }, required: number): Promise<boolean> {
    let acked = 0;
    // A reconnect since the write: a WAIT on the new connection would not cover it.
    if (state.epoch === stamp.epoch) {
      // A WAIT queued after this write started its full timeout after the write ran: share it.
      const last = state.lastWait;
      const covers = last !== undefined && last.epoch === stamp.epoch && last.seq > stamp.seq && last.replicas >= required;
      acked = await (covers ? last : this.sendWait(route.node, state, required)).acked;
    }
    if (acked >= required) return true;
    if (await this.noReplicaLeft(route)) {
      this.degraded.set(route.address, this.now() + this.opts.degradedHoldMs);
      this.deps.onShortfall?.("degraded");
      this.deps.logger.warn({ node: route.address, slot: route.slot }, "shard has no replica: acking writes stored on its master only");
      return true;
    }
    this.deps.onShortfall?.("refused");
    return false;
  }

  private sendWait(node: NodeConnection, state: ConnectionState, replicas: number): WaitRun {
    const started = process.hrtime.bigint();
    const run: WaitRun = {
      seq: ++state.seq,
      epoch: state.epoch,
      replicas,
      acked: node.sendCommand(["WAIT", String(replicas), String(this.opts.timeoutMs)]).then(
        (n) => Number(n),
        () => 0,
      ),
    };
    void run.acked.then(() => this.deps.onWait?.(Number(process.hrtime.bigint() - started) / 1e9));
    state.lastWait = run;
    return run;
  }

  /**
   * True when the node we wrote to is, by another node's account, still the master of the slot,
   * and its shard has no replica to wait for: none online in the cluster's view, or none connected
   * to the master itself (a replica that just died, before the cluster marks it failed).
   */
  private async noReplicaLeft(route: WriteRoute): Promise<boolean> {
    const topology = this.deps.topology;
    if (!topology) return false;
    await topology.refresh(route.address);
    if (!topology.isMasterOf(route.address, route.slot)) return false;
    if ((topology.shardOf(route.slot)?.onlineReplicas ?? 1) === 0) return true;
    try {
      const info = String(await route.node.sendCommand(["INFO", "replication"]));
      return /^connected_slaves:0\s*$/m.test(info);
    } catch {
      return false;
    }
  }

  private state(node: NodeConnection): ConnectionState {
    let state = this.states.get(node);
    if (!state) {
      const created: ConnectionState = { epoch: 0, seq: 0 };
      node.on("connect", () => {
        created.epoch++;
        created.lastWait = undefined;
      });
      this.states.set(node, (state = created));
    }
    return state;
  }
}
