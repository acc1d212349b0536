/**
 * One room's recovery and ordering state, with no socket inside: what was seen (de-duplication by
 * id, whether it came live, in an ack or in a refill), the `since` of the next join, and gaps.
 *
 * Gaps (issue "delivery", item 3): a live entry names the entry stored before it (`prev`). An
 * unseen `prev` is only *suspected* missing: it may be in flight on another path, or be our own
 * send whose ack has not come back yet. It becomes a real gap when it is still unseen after a grace
 * (extended while own sends of the room await their acks, up to a bound). A real gap asks for a
 * refill: a `room:join` with `since` = the newest id up to which the room is known complete. At
 * most one join per room is in flight; it covers every gap open when it was sent, and gaps seen
 * while it runs are checked again when it ends.
 */
import type { Clock, TimerHandle } from "./clock.js";
import { SeenIds } from "./seen-ids.js";

export interface RoomTimelineOptions {
  /** Ids remembered for de-duplication and gap checks. @default 2000 */
  maxIds: number;
  /** How long an unseen `prev` may stay unseen before it counts as a gap. @default 1000 */
  gapGraceMs: number;
  /** Longest grace when own sends of the room are still waiting for their acks. @default 10000 */
  maxGapGraceMs: number;
}

export const defaultRoomTimelineOptions: RoomTimelineOptions = { maxIds: 2000, gapGraceMs: 1000, maxGapGraceMs: 10_000 };

export interface RoomTimelineDeps {
  clock: Clock;
  /** A real gap is open: start a refill ({@link RoomTimeline.beginJoin}) unless a join is running. */
  wantRefill(): void;
  /** Own sends of this room that went out and are not settled yet. */
  ownUnacked(): number;
  /** {@link RoomTimeline.settled} may have changed. */
  changed(): void;
}

export interface TimelineStats {
  /** Refills asked for (re-joins for a gap, not after a reconnect). */
  refills: number;
  /** Live entries whose `prev` was unseen when they arrived. */
  suspectedGaps: number;
  /** Suspected gaps still open after their grace. */
  realGaps: number;
}

interface Gap {
  prev: string;
  /** When its grace started. */
  at: number;
  timer: TimerHandle | undefined;
  /** Grace over, but own sends were pending: waiting for them to settle. */
  waitingOwn: boolean;
  real: boolean;
}

interface JoinInFlight {
  since: string | undefined;
  /** Gaps open when it was sent: a recovered answer covers them. */
  covers: Set<string>;
  /** Ids that arrived while it ran: newer than its history, or in it. */
  arrived: string[];
}

export interface JoinOutcome {
  /** Ids of the answer's messages not seen before, in the order given. */
  fresh: string[];
  /** Not recovered: what we knew was dropped, except `kept`. */
  restarted: boolean;
  /** With `restarted`: ids that arrived while the join ran, still valid. */
  kept: string[];
}

export class RoomTimeline {
  readonly stats: TimelineStats = { refills: 0, suspectedGaps: 0, realGaps: 0 };
  private readonly opts: RoomTimelineOptions;
  private readonly seen: SeenIds;
  /** Every entry up to it is known: the `since` of the last recovered join, or the oldest of a fresh history. */
  private floor: string | undefined;
  private readonly gaps = new Map<string, Gap>();
  /** A join answered since the last (re)connect: live entries can be checked against it. */
  private joined = false;
  private join: JoinInFlight | undefined;

  constructor(
    private readonly deps: RoomTimelineDeps,
    options: Partial<RoomTimelineOptions> = {},
    lastId?: string,
  ) {
    this.opts = { ...defaultRoomTimelineOptions, ...options } satisfies RoomTimelineOptions;
    this.seen = new SeenIds(this.opts.maxIds);
    if (lastId !== undefined) {
      // A stored `since` means: everything up to it was seen.
      this.seen.add(lastId);
      this.floor = lastId;
    }
  }

  /**
   * The `since` of the next join: the newest usable id below the lowest open gap, so a re-join
   * also fills every gap.
   */
  get lastId(): string | undefined {
    let limit: string | undefined;
    for (const prev of this.gaps.keys()) if (limit === undefined || prev < limit) limit = prev;
    const best = this.seen.newestBelow(limit);
    const floor = this.floor;
    const floorOk = floor !== undefined && !this.seen.unusable(floor) && (limit === undefined || floor < limit);
    return floorOk && (best === undefined || floor > best) ? floor : best;
  }

  /** No gap open and no join running. */
  get settled(): boolean {
    return this.gaps.size === 0 && this.join === undefined;
  }

  /** Whether a join (or refill) is in flight. */
  get joining(): boolean {
    return this.join !== undefined;
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }

  /** A live entry (chat:message, notice, or a chat:batch entry); false when it is a duplicate. */
  receive(id: string, prev: string | null | undefined): boolean {
    const fresh = this.accept(id);
    if (fresh && prev && !this.known(prev) && !this.gaps.has(prev)) this.openGap(prev);
    return fresh;
  }

  /** An entry from an ack (our own send); false when it is a duplicate. */
  accept(id: string): boolean {
    const fresh = this.seen.add(id);
    if (fresh) this.join?.arrived.push(id);
    this.close(id);
    return fresh;
  }

  /** A deleted message: never again a `since`, and a late copy is dropped. */
  remove(id: string): void {
    this.seen.remove(id);
  }

  /** A join or refill goes out; returns its `since`. */
  beginJoin(refill: boolean): string | undefined {
    const since = this.lastId;
    // Gaps open now are covered by this join's answer: their timers have nothing left to decide.
    for (const gap of this.gaps.values()) this.disarm(gap);
    this.join = { since, covers: new Set(this.gaps.keys()), arrived: [] };
    if (refill) this.stats.refills++;
    this.deps.changed();
    return since;
  }

  /**
   * The join's answer: `ids` of its messages (oldest first) and its notice's. Recovered, it closes
   * every gap it covered, seen or not (a superseded notice or a deleted message is never in an
   * answer: asking again would loop). Not recovered, the room starts over from the answer.
   */
  endJoin(recovered: boolean, ids: string[], noticeId: string | undefined): JoinOutcome {
    const join = this.join;
    this.join = undefined;
    let kept: string[] = [];
    if (recovered) {
      for (const prev of join?.covers ?? []) this.giveUp(prev);
      if (join?.since !== undefined && (this.floor === undefined || join.since > this.floor)) this.floor = join.since;
    } else {
      kept = join?.arrived ?? [];
      this.seen.clear();
      for (const id of kept) this.seen.add(id);
      for (const [prev, gap] of this.gaps) {
        if (join?.covers.has(prev)) {
          this.disarm(gap);
          this.gaps.delete(prev);
        }
      }
      this.floor = ids.reduce<string | undefined>((min, id) => (min === undefined || id < min ? id : min), undefined);
    }
    const fresh = ids.filter((id) => this.seen.add(id));
    for (const id of fresh) this.close(id);
    if (noticeId !== undefined) this.accept(noticeId);
    this.joined = true;
    // Gaps seen while the join ran: closed by it, or given a grace of their own from now.
    for (const gap of [...this.gaps.values()]) {
      if (this.known(gap.prev)) this.close(gap.prev);
      else if (gap.timer === undefined) this.arm(gap, this.opts.gapGraceMs, true);
    }
    this.deps.changed();
    return { fresh, restarted: !recovered, kept };
  }

  /**
   * The join got no answer (no ack, an error, the connection dropped). Open gaps stay open for the
   * next attempt; with `giveUp` (an error no retry fixes) they are dropped, so nothing loops.
   */
  abortJoin(giveUp = false): void {
    this.join = undefined;
    if (giveUp) for (const prev of [...this.gaps.keys()]) this.giveUp(prev);
    this.deps.changed();
  }

  /** The connection dropped: the re-join after the reconnect covers whatever is open. */
  disconnected(): void {
    this.joined = false;
    this.join = undefined;
    for (const gap of this.gaps.values()) this.disarm(gap);
    this.deps.changed();
  }

  /** Call when an own send of the room settles: a gap held for it may be decided now. */
  ownSettled(): void {
    if (this.deps.ownUnacked() > 0) return;
    for (const gap of [...this.gaps.values()]) {
      if (!gap.waitingOwn) continue;
      this.disarm(gap);
      this.expire(gap);
    }
  }

  dispose(): void {
    for (const gap of this.gaps.values()) this.disarm(gap);
    this.gaps.clear();
    this.join = undefined;
  }

  private known(id: string): boolean {
    return this.seen.has(id) || (this.floor !== undefined && id <= this.floor);
  }

  private openGap(prev: string): void {
    this.stats.suspectedGaps++;
    const gap: Gap = { prev, at: this.deps.clock.now(), timer: undefined, waitingOwn: false, real: false };
    this.gaps.set(prev, gap);
    // Before a join's answer there is nothing to compare with: it is checked when the answer comes.
    if (this.joined && !this.join) this.arm(gap, this.opts.gapGraceMs);
    this.deps.changed();
  }

  private arm(gap: Gap, ms: number, restart = false): void {
    if (restart) gap.at = this.deps.clock.now();
    gap.timer = this.deps.clock.setTimeout(() => {
      gap.timer = undefined;
      this.expire(gap);
    }, ms);
  }

  private disarm(gap: Gap): void {
    if (gap.timer !== undefined) this.deps.clock.clearTimeout(gap.timer);
    gap.timer = undefined;
    gap.waitingOwn = false;
  }

  private expire(gap: Gap): void {
    if (this.gaps.get(gap.prev) !== gap) return;
    if (this.known(gap.prev)) return this.close(gap.prev);
    const waited = this.deps.clock.now() - gap.at;
    if (this.deps.ownUnacked() > 0 && waited < this.opts.maxGapGraceMs) {
      // It may be our own send, stored but not acked yet: wait for the acks, within a bound.
      gap.waitingOwn = true;
      gap.timer = this.deps.clock.setTimeout(() => {
        gap.timer = undefined;
        gap.waitingOwn = false;
        this.expire(gap);
      }, this.opts.maxGapGraceMs - waited);
      return;
    }
    if (!gap.real) {
      gap.real = true;
      this.stats.realGaps++;
    }
    if (this.joined && !this.join) this.deps.wantRefill();
  }

  /** `id` arrived: a gap waiting for it is closed. */
  private close(id: string): void {
    const gap = this.gaps.get(id);
    if (!gap) return;
    this.disarm(gap);
    this.gaps.delete(id);
    this.deps.changed();
  }

  /** Stops waiting for `prev`: a refill covered it, or nothing more can be done. */
  private giveUp(prev: string): void {
    if (!this.seen.has(prev)) this.seen.markKnown(prev);
    this.close(prev);
  }
}
