/**
 * Gets a room's join answered: sends `room:join` with the timeline's `since`, one at a time;
 * retries after `unavailable` or a lost ack (with backoff and jitter) and after `rate_limited`
 * (after `retryAfterMs`); and drops answers that went stale because the connection dropped or the
 * room was left meanwhile. A join after a disconnect waits for the reconnect, which joins again.
 */
import { ErrorCode, type JoinResult } from "../protocol/index.js";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { ChatError, isPermanent } from "./chat-error.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { Requests } from "./requests.js";
import type { RoomTimeline } from "./room-timeline.js";

export interface RoomJoinerDeps {
  room: string;
  clock: Clock;
  requests: Requests;
  ackTimeoutMs: number;
  backoff: BackoffOptions;
  timeline: RoomTimeline;
  /** Whether a join may go out now: connected, and the room wants to be in. */
  canJoin(): boolean;
  /** Whether the room is joined: a refill retried later is still a refill only then. */
  joined(): boolean;
  answered(res: JoinResult, refill: boolean): void;
  /** A join (not a refill) got an error no retry fixes. */
  refused(error: ChatError): void;
}

export class RoomJoiner {
  /** Consecutive failed attempts: the backoff's exponent. */
  private attempts = 0;
  private retryTimer: TimerHandle | undefined;
  /** Bumped by {@link reset}: an answer to an older join is stale. */
  private generation = 0;

  constructor(private readonly deps: RoomJoinerDeps) {}

  /** Sends a join (`refill`: for a gap, while joined) unless one is in flight or it cannot go now. */
  start(refill: boolean): void {
    const { deps } = this;
    if (!deps.canJoin() || deps.timeline.joining) return;
    this.clearRetry();
    const generation = this.generation;
    const since = deps.timeline.beginJoin(refill);
    const req = since === undefined ? { room: deps.room } : { room: deps.room, since };
    void deps.requests.send("room:join", req, deps.ackTimeoutMs).then((res) => {
      if (generation !== this.generation) return;
      if (res.ok) {
        this.attempts = 0;
        return deps.answered(res, refill);
      }
      const error = res.error instanceof ChatError ? res.error : new ChatError(res.error);
      if (error.local === "disconnected") return deps.timeline.abortJoin(); // the reconnect joins again
      if (isPermanent(error.code)) {
        // A refill that cannot work gives up on its gaps; a join that cannot work fails the room.
        deps.timeline.abortJoin(true);
        if (!refill) deps.refused(error);
        return;
      }
      deps.timeline.abortJoin();
      const wait =
        error.code === ErrorCode.RateLimited && error.retryAfterMs !== undefined
          ? error.retryAfterMs
          : backoffDelay(this.attempts, deps.backoff, () => deps.clock.random());
      this.attempts++;
      this.retryTimer = deps.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.start(refill && deps.joined());
      }, wait);
    });
  }

  /** Answers to joins sent before now are stale: the connection dropped, or the room was left. */
  reset(): void {
    this.generation++;
    this.clearRetry();
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) this.deps.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
