/**
 * What the /ops page remembers between polls, in the tab only: the last few minutes of the
 * cluster's numbers for the charts, and the replicas that stopped beating. A replica that misses
 * beats is `late` in the view until its TTL runs out, then leaves it; the page keeps showing it as
 * `gone` for a while, so an operator who looks away for a minute still sees what happened.
 * No DOM: unit-tested.
 */
import type { ClusterView, ReplicaView } from "../protocol/index.js";

export interface Point {
  /** ms since the epoch */
  t: number;
  v: number;
}

export interface Series {
  name: string;
  points: Point[];
}

/** A replica the view no longer lists. */
export interface GoneReplica {
  replica: ReplicaView;
  /** When its last beat was, by this page's clock (its last age subtracted). */
  lastBeatAt: number;
}

export interface ClusterHistoryOptions {
  /** How far back the charts go. @default 300000 (5 minutes) */
  windowMs: number;
  /** How long a replica that left the view is still shown as gone. @default 120000 */
  goneForMs: number;
}

const TOTALS = ["connections", "rooms", "messagesPerSec", "deliveriesPerSec", "slowConsumers", "shortfalls", "replicasUp"] as const;
export type TotalName = (typeof TOTALS)[number];

export class ClusterHistory {
  private readonly opts: ClusterHistoryOptions;
  private readonly totals = new Map<TotalName, Point[]>(TOTALS.map((name) => [name, []]));
  private readonly connections = new Map<string, Point[]>();
  private readonly seen = new Map<string, { replica: ReplicaView; lastBeatAt: number }>();
  private readonly goneReplicas = new Map<string, GoneReplica>();

  constructor(options: Partial<ClusterHistoryOptions> = {}) {
    this.opts = { windowMs: 300_000, goneForMs: 120_000, ...options };
  }

  /** Records a view read at `now` (this page's clock). */
  add(view: ClusterView, now: number): void {
    const { totals } = view;
    const values: Record<TotalName, number> = {
      connections: totals.connections,
      rooms: totals.rooms,
      messagesPerSec: totals.messagesPerSec,
      deliveriesPerSec: totals.deliveriesPerSec,
      slowConsumers: totals.slowConsumers,
      shortfalls: totals.shortfalls.refused + totals.shortfalls.degraded,
      replicasUp: totals.replicasUp,
    };
    for (const name of TOTALS) this.push(this.totals.get(name)!, { t: now, v: values[name] }, now);

    const listed = new Set<string>();
    for (const replica of view.replicas) {
      listed.add(replica.id);
      this.goneReplicas.delete(replica.id);
      this.seen.set(replica.id, { replica, lastBeatAt: now - replica.ageMs });
      let points = this.connections.get(replica.id);
      if (!points) this.connections.set(replica.id, (points = []));
      if (replica.state === "up") this.push(points, { t: now, v: replica.connections }, now);
    }
    for (const [id, last] of this.seen) {
      if (listed.has(id)) continue;
      this.seen.delete(id);
      this.goneReplicas.set(id, last);
    }
    for (const [id, gone] of this.goneReplicas) if (now - gone.lastBeatAt > this.opts.goneForMs) this.goneReplicas.delete(id);
    for (const [id, points] of this.connections) {
      trim(points, now - this.opts.windowMs);
      if (points.length === 0 && !listed.has(id)) this.connections.delete(id);
    }
  }

  /** When the charts start: the first poll still in the window, or undefined before any. */
  firstAt(): number | undefined {
    return this.totals.get("connections")![0]?.t;
  }

  /** One cluster total over the window. */
  total(name: TotalName): Point[] {
    return this.totals.get(name)!;
  }

  /** Connections per replica over the window (a replica's line ends where it stopped beating). */
  connectionsByReplica(): Series[] {
    return [...this.connections].map(([name, points]) => ({ name, points }));
  }

  /** Replicas that left the view within `goneForMs`, most recent first. */
  gone(): GoneReplica[] {
    return [...this.goneReplicas.values()].sort((a, b) => b.lastBeatAt - a.lastBeatAt);
  }

  private push(points: Point[], point: Point, now: number): void {
    points.push(point);
    trim(points, now - this.opts.windowMs);
  }
}

function trim(points: Point[], from: number): void {
  let drop = 0;
  while (drop < points.length && points[drop]!.t < from) drop++;
  if (drop > 0) points.splice(0, drop);
}
