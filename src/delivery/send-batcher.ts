/**
 * Per-room send batching on one replica: the messages this replica accepts for a room within a
 * tick are stored (and so published) as one unit, so a hot room costs one store call, one WAIT and
 * one publish (one cluster-bus message) per tick per replica instead of per message, and its
 * viewers get one batch per tick.
 *
 * Leading edge: a room that has not flushed for a tick flushes at once, so a quiet room pays no
 * latency. At most one flush per room is in flight; what arrives meanwhile waits for it and for the
 * rest of the tick. Each message is still acknowledged on its own outcome, only once stored.
 */
import type { AppendOutcome, MessageDraft } from "../store/message-store.js";

export interface SendBatcherOptions {
  /** Shortest time between two flushes of one room. 0 flushes every message at once. @default 25 */
  tickMs: number;
  /** Most messages one flush stores; the rest go in the next one. @default 100 */
  maxBatch: number;
}

export const defaultSendBatcherOptions: SendBatcherOptions = { tickMs: 25, maxBatch: 100 };

export interface SendBatcherDeps {
  append(room: string, drafts: MessageDraft[]): Promise<AppendOutcome[]>;
  /** Observes each flush's size. @default none */
  onFlush?: (size: number) => void;
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
    if (!queue) this.rooms.set(room, (queue = { waiting: [], inFlight: false, lastFlush: -Infinity, timer: undefined }));
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
    const wait = queue.lastFlush + this.opts.tickMs - this.now();
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

  private flush(room: string, queue: RoomQueue): void {
    const batch = queue.waiting.splice(0, this.opts.maxBatch);
    queue.inFlight = true;
    queue.lastFlush = this.now();
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
