/**
 * The cluster as one chat (`GET /api/v1/cluster`, the `/ops` page), from one read of the replica
 * registry and one read of the presence directory for the candidate top rooms.
 *
 * Top rooms are approximate by construction, and cheap: each replica reports only its own top
 * rooms, so a room that is in no replica's top list is missed (one spread thinly over many
 * replicas, each of which has `topRooms` busier ones). A hot room is in every replica's list.
 */
import type { ClusterView, ReplicaView, RoomRate, RoomViewers } from "../protocol/index.js";
import type { ReplicaRegistry, StoredBeat } from "./replica-registry.js";
import { topN } from "./top-n.js";

export interface ClusterViewOptions {
  /** Shown as the view's `cluster`. @default "chat" */
  cluster: string;
  /** Rooms in each top list. @default 20 */
  topRooms: number;
  /** The beats' window of slow consumers and shortfalls, seconds (for the reader). @default 300 */
  windowSec: number;
  /** A view is reused this long, so any number of open pages costs Redis one read a second. @default 1000 */
  cacheMs: number;
}

export const defaultClusterViewOptions: ClusterViewOptions = { cluster: "chat", topRooms: 20, windowSec: 300, cacheMs: 1_000 };

export interface ClusterViewDeps {
  registry: Pick<ReplicaRegistry, "list">;
  /** Viewers over every replica for these rooms (the presence directory: one read). */
  viewers: (rooms: readonly string[]) => Promise<Map<string, number>>;
  now?: () => number;
}

/** A replica missed this many beats: shown late (it drops out when its beat's TTL runs out). */
const LATE_AFTER_BEATS = 2;

/** Reads the cluster view, at most once per `cacheMs`; concurrent callers share one read. */
export class ClusterViews {
  private readonly opts: ClusterViewOptions;
  private cached: { at: number; view: Promise<ClusterView> } | undefined;

  constructor(
    private readonly deps: ClusterViewDeps,
    options: Partial<ClusterViewOptions> = {},
  ) {
    this.opts = { ...defaultClusterViewOptions, ...options } satisfies ClusterViewOptions;
  }

  view(): Promise<ClusterView> {
    const now = this.now();
    if (this.cached && now - this.cached.at < this.opts.cacheMs) return this.cached.view;
    const view = this.read(now);
    this.cached = { at: now, view };
    // A failed read is not kept: the next caller tries again.
    view.catch(() => {
      if (this.cached?.view === view) this.cached = undefined;
    });
    return view;
  }

  private async read(at: number): Promise<ClusterView> {
    const beats = await this.deps.registry.list();
    const up = beats.filter((b) => state(b) === "up");
    const candidates = viewerCandidates(up, this.opts.topRooms * 5);
    const totals = candidates.size > 0 ? await this.deps.viewers([...candidates.keys()]) : new Map<string, number>();
    return summarize(beats, totals, at, this.opts);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/**
 * The view from the replicas' beats and the candidate rooms' viewer totals. Totals count the
 * replicas `up` only: a late one may be gone, its clients already reconnected elsewhere.
 */
export function summarize(beats: StoredBeat[], viewerTotals: ReadonlyMap<string, number>, at: number, opts: ClusterViewOptions): ClusterView {
  const replicas: ReplicaView[] = beats.map((b) => {
    const { roomShare: _share, topByLocalViewers: _viewers, topByMessages: _messages, ...stats } = b.beat;
    return { ...stats, state: state(b), ageMs: b.ageMs };
  });
  const upBeats = beats.filter((b) => state(b) === "up");
  const up = upBeats.map((b) => b.beat);
  const sum = (value: (beat: (typeof up)[number]) => number) => up.reduce((n, beat) => n + value(beat), 0);

  // A room's viewers: the presence total; the beats' own counts when presence has not caught up yet.
  const local = viewerCandidates(upBeats, Infinity);
  const byViewers: RoomViewers[] = topN(byName(local), opts.topRooms, ([room, n]) => Math.max(n, viewerTotals.get(room) ?? 0)).map(({ item: [room], score }) => ({ room, viewers: score }));
  const rates = new Map<string, number>();
  for (const beat of up) for (const r of beat.topByMessages) rates.set(r.room, (rates.get(r.room) ?? 0) + r.messagesPerSec);
  const byMessages: RoomRate[] = topN(byName(rates), opts.topRooms, ([, n]) => n).map(({ item: [room], score }) => ({ room, messagesPerSec: round2(score) }));

  return {
    cluster: opts.cluster,
    at,
    windowSec: opts.windowSec,
    replicas,
    totals: {
      replicasUp: up.length,
      connections: sum((b) => b.connections),
      rooms: Math.round(sum((b) => b.roomShare)),
      messagesPerSec: round2(sum((b) => b.messagesPerSec)),
      deliveriesPerSec: round2(sum((b) => b.deliveriesPerSec)),
      slowConsumers: sum((b) => b.slowConsumers),
      shortfalls: { refused: sum((b) => b.shortfalls.refused), degraded: sum((b) => b.shortfalls.degraded) },
    },
    topRooms: { byViewers, byMessages },
  };
}

function state(b: StoredBeat): ReplicaView["state"] {
  return b.ageMs > LATE_AFTER_BEATS * b.beat.beatMs ? "late" : "up";
}

/** The rooms of the replicas' top lists with their members summed over those replicas, at most `max` (busiest first). */
function viewerCandidates(beats: StoredBeat[], max: number): Map<string, number> {
  const local = new Map<string, number>();
  for (const { beat } of beats) for (const r of beat.topByLocalViewers) local.set(r.room, (local.get(r.room) ?? 0) + r.viewers);
  if (local.size <= max) return local;
  return new Map(topN(local, max, ([, n]) => n).map(({ item }) => item));
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Rooms in name order, so equal counts rank the same in every view and rows do not swap between polls. */
const byName = (rooms: Map<string, number>) => [...rooms].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
