/** A clock for unit tests: time moves only when the test says, and timers run in due order. */
import type { Clock, TimerHandle } from "../clock.js";

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** Lets every pending promise callback run (setImmediate comes after the microtask queue). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  time = 1_700_000_000_000;
  /** What `random()` returns: 0 is the longest backoff, 1 (exclusive) the shortest. */
  randomValue = 0.5;
  private timers: Timer[] = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  random(): number {
    return this.randomValue;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: ++this.seq, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Timers not run yet. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running each timer due on the way and letting promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
    }
    this.time = end;
    await flush();
  }
}
