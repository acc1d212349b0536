/**
 * Builds this replica's heartbeat from what the server keeps anyway: the namespace's connections,
 * the adapter's rooms, the viewer counts' room share, the metrics' counters, the per-room message
 * counts of the send path and the event-loop histogram. All of it is read once per beat; nothing
 * here runs per message or per connection.
 */
import type { ReplicaStats } from "../protocol/index.js";
import type { ReplicaBeat } from "./replica-registry.js";
import type { RoomRates } from "./room-rates.js";
import { topN } from "./top-n.js";

/** Counters since the process started (the Prometheus metrics'). */
export interface CounterTotals {
  deliveries: number;
  slowConsumers: number;
  refused: number;
  degraded: number;
}

export interface ReplicaSources {
  connections(): number;
  /** Rooms with a local member, each with its members (the Socket.IO adapter's own map). */
  rooms(): ReadonlyMap<string, ReadonlySet<string>>;
  /** This replica's share of the cluster's rooms (each local room: 1 / replicas with members there). */
  roomShare(): number;
  counters(): Promise<CounterTotals>;
  /** Event-loop delay since the last read. */
  lag(): { p99: number; max: number };
}

export interface ReplicaSamplerOptions {
  /** Rooms in each of the beat's top lists. @default 20 */
  topRooms: number;
  /** Slow consumers and shortfalls are counted over this long. @default 300000 (5 minutes) */
  windowMs: number;
}

export const defaultReplicaSamplerOptions: ReplicaSamplerOptions = { topRooms: 20, windowMs: 300_000 };

/** Who this replica is: the fields of a beat that do not change. */
export type ReplicaIdentity = Pick<ReplicaStats, "id" | "address" | "startedAt" | "version" | "beatMs">;

interface Sample extends CounterTotals {
  at: number;
}

export class ReplicaSampler {
  private readonly opts: ReplicaSamplerOptions;
  /** Counter samples of the window, oldest first; the first is the baseline (zeros at start). */
  private readonly samples: Sample[];

  constructor(
    private readonly deps: { sources: ReplicaSources; rates: RoomRates; now?: () => number },
    options: Partial<ReplicaSamplerOptions> = {},
  ) {
    this.opts = { ...defaultReplicaSamplerOptions, ...options } satisfies ReplicaSamplerOptions;
    this.samples = [{ at: this.now(), deliveries: 0, slowConsumers: 0, refused: 0, degraded: 0 }];
  }

  /** The beat now: rates over the time since the previous sample, counts over the window. */
  async sample(identity: ReplicaIdentity): Promise<ReplicaBeat> {
    const { sources, rates } = this.deps;
    const messages = rates.take();
    const lag = sources.lag();
    const counters = await sources.counters();
    const now = this.now();
    const last = this.samples[this.samples.length - 1]!;
    const seconds = Math.max(0.001, (now - last.at) / 1000);
    this.samples.push({ at: now, ...counters });
    // Keep one sample at or before the window's start: the counts are taken from it.
    while (this.samples.length > 2 && this.samples[1]!.at <= now - this.opts.windowMs) this.samples.shift();
    const base = this.samples[0]!;

    let stored = 0;
    for (const n of messages.values()) stored += n;
    const rooms = sources.rooms();
    return {
      ...identity,
      connections: sources.connections(),
      rooms: rooms.size,
      roomShare: sources.roomShare(),
      messagesPerSec: perSec(stored, seconds),
      deliveriesPerSec: perSec(counters.deliveries - last.deliveries, seconds),
      slowConsumers: counters.slowConsumers - base.slowConsumers,
      shortfalls: { refused: counters.refused - base.refused, degraded: counters.degraded - base.degraded },
      eventLoopLagMs: lag,
      topByLocalViewers: topN(rooms, this.opts.topRooms, ([, members]) => members.size).map(({ item: [room], score }) => ({ room, viewers: score })),
      topByMessages: topN(messages, this.opts.topRooms, ([, n]) => n).map(({ item: [room], score }) => ({ room, messagesPerSec: perSec(score, seconds) })),
    };
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/** Per second, to two decimals. */
function perSec(count: number, seconds: number): number {
  return Math.round((Math.max(0, count) / seconds) * 100) / 100;
}
