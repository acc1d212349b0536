/**
 * The server's part in the cluster view: this replica's heartbeat (what it reports, read from what
 * the server keeps anyway) and the view the HTTP API serves at /api/v1/cluster. The send path only
 * adds its stored messages per room and flush to `rates`.
 */
import { hostname } from "node:os";
import { ClusterViews } from "../ops/cluster-view.js";
import { EventLoopLag } from "../ops/event-loop-lag.js";
import { Heartbeat } from "../ops/heartbeat.js";
import { MemoryReplicaRegistry } from "../ops/memory-replica-registry.js";
import { counterTotals } from "../ops/metric-counters.js";
import { defaultOpsOptions } from "../ops/ops-options.js";
import { packageVersion } from "../ops/package-version.js";
import { ReplicaSampler, type ReplicaIdentity } from "../ops/replica-sampler.js";
import { RoomRates } from "../ops/room-rates.js";
import type { ViewerCounts } from "../presence/viewer-counts.js";
import type { ChatNamespace } from "../socket/chat-io.js";
import type { ChatServerDeps, ChatServerOptions } from "./server-options.js";

export interface WiredOps {
  /** Messages stored per room on this replica (the send path adds to it once per flush). */
  rates: RoomRates;
  /** The cluster view, for the HTTP API. */
  views: ClusterViews;
  /** Starts beating, now that the server listens on `host`:`port`. */
  start(host: string | undefined, port: number): void;
  /** Stops beating and leaves the registry. */
  close(): Promise<void>;
}

export function wireOps(nsp: ChatNamespace, viewers: ViewerCounts, opts: ChatServerOptions, deps: ChatServerDeps): WiredOps {
  const o = { ...defaultOpsOptions, ...opts.ops };
  // Embedded (one process): the registry is this process's memory; the page shows this one replica.
  const ownRegistry = deps.replicas ? undefined : new MemoryReplicaRegistry();
  const registry = deps.replicas ?? ownRegistry!;
  const rates = new RoomRates();
  const lag = new EventLoopLag();
  const sampler = new ReplicaSampler(
    {
      rates,
      sources: {
        connections: () => nsp.sockets.size,
        // The adapter keeps no per-socket rooms here (src/adapter/chat-rooms.ts): these are chat rooms only.
        rooms: () => nsp.adapter.rooms,
        roomShare: () => viewers.roomShare(),
        counters: () => counterTotals(deps.metrics),
        lag: () => lag.read(),
      },
    },
    { topRooms: o.topRooms, windowMs: o.windowSec * 1000 },
  );
  let identity: ReplicaIdentity | undefined;
  const heartbeat = new Heartbeat(
    {
      registry,
      replicaId: deps.replicaId,
      logger: deps.logger,
      sample: () => sampler.sample(identity!),
    },
    { beatMs: o.beatMs, ttlBeats: o.ttlBeats },
  );
  const views = new ClusterViews(
    { registry, viewers: (rooms) => deps.presence.totals(rooms) },
    { cluster: o.cluster, topRooms: o.topRooms, windowSec: o.windowSec, cacheMs: o.viewCacheMs },
  );
  const startedAt = Date.now();
  return {
    rates,
    views,
    start(host, port) {
      identity = { id: deps.replicaId, address: replicaAddress(host, port), startedAt, version: packageVersion(), beatMs: o.beatMs };
      heartbeat.start();
    },
    async close() {
      await heartbeat.stop();
      lag.close();
      await ownRegistry?.close();
    },
  };
}

/** `host:port` another machine can reach: the hostname when the server listens on every interface. */
export function replicaAddress(host: string | undefined, port: number): string {
  const name = !host || host === "0.0.0.0" || host === "::" ? hostname() : host;
  return name.includes(":") ? `[${name}]:${port}` : `${name}:${port}`;
}
