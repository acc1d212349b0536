/**
 * Runs one room request (a send, a delete, a mute) until it is answered ok, bounded by attempts
 * and a deadline: after `unavailable` or a lost ack it waits with backoff; after a dropped
 * connection it waits for the room to be joined again; after `rate_limited` it waits
 * `retryAfterMs` (when that fits the policy); after `not_joined` it has the room joined again. An
 * error no retry fixes ends it at once. The caller makes each attempt idempotent (a send reuses its
 * `clientId`), which is what makes retrying safe.
 */
import { ErrorCode, type Failure } from "../protocol/index.js";
import { backoffDelay, defaultBackoff, type BackoffOptions } from "./backoff.js";
import { ChatError, isPermanent } from "./chat-error.js";
import { delay, type Clock } from "./clock.js";

export interface RetryPolicy {
  /** Tries per request (the first included). @default 5 */
  maxAttempts: number;
  /** A request not answered ok this long after it started fails. @default 30000 */
  deadlineMs: number;
  /**
   * The longest `rate_limited` wait honoured automatically; a longer one fails at once with the
   * error. 0 hands every rate limit to the caller (e.g. a person, who may retry). @default 10000
   */
  maxRetryAfterMs: number;
  /** Waits between retries after `unavailable` or a lost ack. @default defaultBackoff */
  backoff: BackoffOptions;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, deadlineMs: 30_000, maxRetryAfterMs: 10_000, backoff: defaultBackoff };

/** An ok answer, a server error, or a failure with no answer (a {@link ChatError} with `local`). */
export type AttemptResult<T extends object> = ({ ok: true } & T) | Failure | { ok: false; error: ChatError };

export interface RetryRunnerDeps {
  clock: Clock;
  /** Resolves true once the room is joined (at once if it is), false if it closes first. */
  whenJoined(): Promise<boolean>;
  /** The server said `not_joined`: have the room joined again. */
  rejoin(): void;
}

export class RetryRunner {
  private readonly wakers = new Set<() => void>();
  private closedWith: ChatError | undefined;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly deps: RetryRunnerDeps,
  ) {}

  /**
   * Calls `attempt` (only while the room is joined) until it answers ok; resolves with that
   * answer, or rejects with a {@link ChatError}.
   */
  async run<T extends object>(attempt: () => Promise<AttemptResult<T>>): Promise<{ ok: true } & T> {
    const { clock } = this.deps;
    const deadline = clock.now() + this.policy.deadlineMs;
    let attempts = 0;
    let last: ChatError | undefined;
    for (;;) {
      if (this.closedWith) throw this.closedWith;
      const left = deadline - clock.now();
      if (left <= 0) throw last ?? ChatError.local("deadline", "not sent in time: the room was not joined");
      if (!(await this.joinedWithin(left))) continue; // closed or out of time: the checks above say which
      attempts++;
      const res = await attempt();
      if (res.ok) return res;
      const error = res.error instanceof ChatError ? res.error : new ChatError(res.error);
      last = error;
      if (error.local === "disconnected") continue; // again once the room is joined again
      if (error.local === "closed" || isPermanent(error.code) || attempts >= this.policy.maxAttempts) throw error;
      let wait = backoffDelay(attempts - 1, this.policy.backoff, () => clock.random());
      if (error.code === ErrorCode.RateLimited) {
        wait = error.retryAfterMs ?? wait;
        if (wait > this.policy.maxRetryAfterMs || clock.now() + wait > deadline) throw error;
      } else if (error.code === ErrorCode.NotJoined) {
        this.deps.rejoin();
        wait = 0;
      }
      await this.sleep(wait);
    }
  }

  /** Every run stops with `error` (the room was left, or failed); {@link reopen} undoes it. */
  close(error: ChatError): void {
    this.closedWith = error;
    for (const wake of [...this.wakers]) wake();
  }

  reopen(): void {
    this.closedWith = undefined;
  }

  private async joinedWithin(ms: number): Promise<boolean> {
    const timer = delay(this.deps.clock, ms);
    this.wakers.add(timer.cancel);
    const joined = await Promise.race([this.deps.whenJoined(), timer.done.then(() => false)]);
    timer.cancel();
    this.wakers.delete(timer.cancel);
    return joined && !this.closedWith;
  }

  private async sleep(ms: number): Promise<void> {
    if (ms <= 0) return;
    const timer = delay(this.deps.clock, ms);
    this.wakers.add(timer.cancel);
    await timer.done;
    this.wakers.delete(timer.cancel);
  }
}
