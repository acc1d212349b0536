/**
 * Stores delayed messages when they are due, on every replica that knows of them, so none is lost
 * with the replica that held it (docs/protocol.md, "Held messages"):
 *
 * - the replica that held a message releases it at its due time;
 * - every replica that learns of it from the room's `held` notice (each has members in the room)
 *   releases it `graceMs` later if no `resolved` notice said it was;
 * - a join of a room with a delay, and a moderator's look at the queue, release whatever is
 *   overdue (a replica that started after the notice).
 *
 * A release is one atomic store step that stores each due message once, whoever runs it, and a
 * `resolved` notice tells every replica (and the room's moderators) what became of each.
 */
import type { Logger } from "pino";
import type { HeldMessage, QueueResolution } from "../protocol/index.js";
import type { MessageStore, ReleaseResult } from "../store/message-store.js";
import type { ModerationNotice } from "../store/moderation-notice.js";

export interface HeldReleaserOptions {
  /** How long after a message's due time other replicas wait for the holder's release. @default 1500 */
  graceMs: number;
  /** Wait before trying a failed release again. @default 1000 */
  retryMs: number;
}

export const defaultHeldReleaserOptions: HeldReleaserOptions = { graceMs: 1_500, retryMs: 1_000 };

/** Releases that found nothing for a message before this replica stops expecting it (another released it, and its notice was lost). */
const MAX_TRIES = 5;
/** Batches one release goes through at most (each of up to 200 messages). */
const MAX_BATCHES = 20;
/** Rooms whose last sweep is remembered before old ones are forgotten. */
const MAX_SWEPT = 1_000;

export interface HeldReleaserDeps {
  store: Pick<MessageStore, "releaseDue">;
  /** Tells every replica (and the moderators) what a release did. */
  announce(room: string, notices: ModerationNotice[]): void;
  logger: Pick<Logger, "warn">;
  /** @default Date.now */
  now?: () => number;
}

interface RoomTimer {
  /** Held id -> local time it is due here, and releases that found nothing for it so far. */
  due: Map<string, { at: number; tries: number }>;
  timer: NodeJS.Timeout | undefined;
  at: number;
}

export class HeldReleaser {
  private readonly rooms = new Map<string, RoomTimer>();
  /** Room -> when it was last swept. */
  private readonly swept = new Map<string, number>();
  private readonly opts: HeldReleaserOptions;
  private closed = false;

  constructor(
    private readonly deps: HeldReleaserDeps,
    options: Partial<HeldReleaserOptions> = {},
  ) {
    this.opts = { ...defaultHeldReleaserOptions, ...options } satisfies HeldReleaserOptions;
  }

  /** This replica held it: release it when due (`releaseInMs` by the store's clock). */
  own(room: string, heldId: string, releaseInMs: number): void {
    this.expect(room, heldId, this.now() + releaseInMs);
  }

  /** Another replica held these (a `held` notice): release them a grace after their due time. */
  seen(room: string, held: readonly HeldMessage[]): void {
    for (const h of held) {
      if (h.releaseAt === null || this.rooms.get(room)?.due.has(h.id)) continue;
      this.expect(room, h.id, h.releaseAt + this.opts.graceMs);
    }
  }

  /** Items left the queue (a `resolved` notice): nothing to release for them. */
  resolved(room: string, items: readonly QueueResolution[]): void {
    const state = this.rooms.get(room);
    if (!state) return;
    for (const item of items) if (item.kind === "held") state.due.delete(item.id);
    if (state.due.size === 0) this.drop(room);
  }

  /**
   * Releases what is overdue in `room` now (a join of a delayed room, a look at the queue); at
   * most once per grace period per room, so a burst of joins costs one read.
   */
  sweep(room: string): Promise<void> {
    const now = this.now();
    if ((this.swept.get(room) ?? -Infinity) > now - this.opts.graceMs) return Promise.resolve();
    this.swept.set(room, now);
    if (this.swept.size > MAX_SWEPT) for (const [r, at] of this.swept) if (at <= now - this.opts.graceMs) this.swept.delete(r);
    return this.release(room);
  }

  close(): void {
    this.closed = true;
    for (const room of [...this.rooms.keys()]) this.drop(room);
  }

  private expect(room: string, heldId: string, dueAt: number): void {
    if (this.closed) return;
    let state = this.rooms.get(room);
    if (!state) this.rooms.set(room, (state = { due: new Map(), timer: undefined, at: Infinity }));
    state.due.set(heldId, { at: dueAt, tries: 0 });
    this.schedule(room, state);
  }

  private schedule(room: string, state: RoomTimer): void {
    const next = Math.min(...[...state.due.values()].map((d) => d.at));
    if (state.timer && state.at <= next) return;
    clearTimeout(state.timer);
    state.at = next;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.at = Infinity;
      void this.fire(room);
    }, Math.max(0, next - this.now()));
    state.timer.unref();
  }

  private async fire(room: string): Promise<void> {
    const state = this.rooms.get(room);
    if (!state) return;
    // Each message released (by us, or anyone: its notice) is taken off the map.
    const expected = [...state.due.entries()].filter(([, d]) => d.at <= this.now());
    await this.release(room).catch(() => undefined); // logged; tried again below
    // Still expected: due by our clock but not yet by the store's (clocks differ), a failed
    // release, or released elsewhere with a notice still on its way. Ask again shortly, a few times.
    for (const [id, d] of expected) {
      if (!state.due.has(id)) continue;
      if (++d.tries >= MAX_TRIES) state.due.delete(id);
      else d.at = this.now() + this.opts.retryMs;
    }
    if (this.rooms.get(room) !== state) return;
    if (state.due.size > 0) this.schedule(room, state);
    else this.drop(room);
  }

  private async release(room: string): Promise<void> {
    // One release stores a bounded batch; a longer backlog is due at once and goes on.
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      let result: ReleaseResult;
      try {
        result = await this.deps.store.releaseDue(room);
      } catch (err) {
        this.deps.logger.warn({ err, room }, "releasing held messages failed; trying again");
        throw err;
      }
      if (result.items.length > 0) {
        const items = result.items.map((item): QueueResolution =>
          item.outcome === "stored" ? { kind: "held", id: item.held.id, outcome: "released", messageId: item.id! } : { kind: "held", id: item.held.id, outcome: "dropped" },
        );
        this.resolved(room, items);
        this.deps.announce(room, [{ type: "resolved", items }]);
      }
      if (result.nextDueInMs !== 0) return;
    }
  }

  private drop(room: string): void {
    clearTimeout(this.rooms.get(room)?.timer);
    this.rooms.delete(room);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
