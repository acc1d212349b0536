/**
 * Time and randomness as a hook, so unit tests drive timers and jitter with a fake clock, and the
 * SDK needs no DOM or Node typings: timers are looked up on `globalThis`, which every runtime has.
 */

/** An opaque timer handle: whatever the clock's `setTimeout` returns. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** A number in [0, 1): the jitter of backoffs. */
  random(): number;
}

interface GlobalTimers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The runtime's own clock (browsers, Node, Deno, workers). */
export function systemClock(): Clock {
  const timers = globalThis as unknown as GlobalTimers;
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
    clearTimeout: (handle) => timers.clearTimeout(handle),
    random: () => Math.random(),
  };
}

/** Resolves after `ms` on `clock`; `cancel` settles it early (resolved) and clears the timer. */
export function delay(clock: Clock, ms: number): { done: Promise<void>; cancel(): void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const handle = clock.setTimeout(finish, ms);
  return {
    done,
    cancel() {
      clock.clearTimeout(handle);
      finish();
    },
  };
}
