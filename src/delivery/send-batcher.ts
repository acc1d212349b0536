/**
 * Per-room send batching on one replica: the messages this replica accepts for a room within a
 * tick are stored (and so published) as one unit, so a hot room costs one store call, one WAIT and
 * one publish (one cluster-bus message) per tick per replica instead of per message, and its
 * viewers get one batch per tick.
 *
 * Leading edge: a room that has not flushed for a tick flushes at once, so a quiet room pays no
 * latency. At most one flush per room is in flight; what arrives meanwhile waits for it and for the
 * rest of the tick. Each message is still acknowledged on its own outcome, only once stored.
 *
 * Ticks grow with the room: every flush costs one write per viewer of the room (on every
 * replica), so a room's tick is long enough that one replica's flushes cause at most
 * `roomWritesPerSec` writes a second: tick = 1000 ms x viewers / roomWritesPerSec, at least
 * `tickMs` and at most `maxTickMs`. With the defaults (25 ms, 100 ms, 100,000/s): up to 2,500
 * viewers 25 ms, 5,000 viewers 50 ms, 10,000 and more 100 ms, i.e. at most 10 batches a second
 * per sending replica for each viewer. The tick is taken at each flush from `viewers(room)` (the
 * room's cluster-wide estimate). The leading edge stays: a room that has not flushed for its tick
 * flushes at once. Latency cost: in a busy big room a message waits up to its tick (100 ms at
 * most) before it is stored; a room below 1000 / tick messages a second mostly leads.
 */
import type { AppendOutcome, MessageDraft } from "../store/message-store.js";

export interface SendBatcherOptions {
  /** Shortest time between two flushes of one room. 0 flushes every message at once. @default 25 */
  tickMs: number;
  /** Most messages one flush stores; the rest go in the next one. @default 100 */
  maxBatch: number;
  /** Longest tick a big room grows to (never below `tickMs`; ignored when `tickMs` is 0). @default 100 */
  maxTickMs: number;
  /** Viewer writes a second one replica's flushes of one room may cause; sets a big room's tick. @default 100000 */
  roomWritesPerSec: number;
}

export const defaultSendBatcherOptions: SendBatcherOptions = { tickMs: 25, maxBatch: 100, maxTickMs: 100, roomWritesPerSec: 100_000 };

export interface SendBatcherDeps {
  append(room: string, drafts: MessageDraft[]): Promise<AppendOutcome[]>;
  /** Observes each flush's size. @default none */
  onFlush?: (size: number) => void;
  /** The room's viewers (cluster-wide estimate), for its tick. @default none: every room uses `tickMs` */
  viewers?: (room: string) => number;
  now?: () => number;
}

interface Waiting {
  draft: MessageDraft;
  resolve(outcome: AppendOutcome): void;
  reject(err: unknown): void;
}

interface RoomQueue {
  waiting: Waiting[];
  inFlight: boolean;
  lastFlush: number;
  /** The room's tick, taken at its last flush. */
  tickMs: number;
  timer: NodeJS.Timeout | undefined;
}

export class SendBatcher {
  private readonly opts: SendBatcherOptions;
  private readonly rooms = new Map<string, RoomQueue>();
  private readonly now: () => number;

  constructor(
    private readonly deps: SendBatcherDeps,
    options: Partial<SendBatcherOptions> = {},
  ) {
    this.opts = { ...defaultSendBatcherOptions, ...options } satisfies SendBatcherOptions;
    this.now = deps.now ?? Date.now;
  }

  /** Stores one draft with whatever else this room sends within the tick; resolves with its own outcome. */
  submit(room: string, draft: MessageDraft): Promise<AppendOutcome> {
    let queue = this.rooms.get(room);
    if (!queue) this.rooms.set(room, (queue = { waiting: [], inFlight: false, lastFlush: -Infinity, tickMs: this.opts.tickMs, timer: undefined }));
    const done = new Promise<AppendOutcome>((resolve, reject) => queue.waiting.push({ draft, resolve, reject }));
    this.schedule(room, queue);
    return done;
  }

  /** Rooms with a queue (messages waiting, in flight, or within a tick of the last flush). */
  get size(): number {
    return this.rooms.size;
  }

  private schedule(room: string, queue: RoomQueue): void {
    if (queue.inFlight || queue.timer) return;
    const wait = queue.lastFlush + queue.tickMs - this.now();
    if (wait <= 0) {
      if (queue.waiting.length > 0) this.flush(room, queue);
      else this.rooms.delete(room); // quiet for a tick: the next message leads again
      return;
    }
    // Within the tick of the last flush: messages wait for its end; with none, the room is kept
    // until then so that a message arriving meanwhile knows the room is not quiet.
    queue.timer = setTimeout(() => {
      queue.timer = undefined;
      this.schedule(room, queue);
    }, wait);
    queue.timer.unref();
  }

  /** The room's tick: long enough for at most `roomWritesPerSec` viewer writes a second (see above). */
  tickFor(room: string): number {
    const { tickMs, maxTickMs, roomWritesPerSec } = this.opts;
    if (tickMs <= 0 || !this.deps.viewers) return tickMs;
    const wanted = Math.ceil((1000 * this.deps.viewers(room)) / roomWritesPerSec);
    return Math.min(Math.max(tickMs, maxTickMs), Math.max(tickMs, wanted));
  }

  private flush(room: string, queue: RoomQueue): void {
    const batch = queue.waiting.splice(0, this.opts.maxBatch);
    queue.inFlight = true;
    queue.lastFlush = this.now();
    queue.tickMs = this.tickFor(room);
    this.deps.onFlush?.(batch.length);
    this.deps
      .append(
        room,
        batch.map((w) => w.draft),
      )
      .then(
        (outcomes) => batch.forEach((w, i) => w.resolve(outcomes[i]!)),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        queue.inFlight = false;
        this.schedule(room, queue);
      });
  }
}
