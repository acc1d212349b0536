/**
 * Retention (ARCHIVE_RETENTION_DAYS > 0): prunes the archive (and the moderation log kept with it)
 * of what is older than the retention, once shortly after start and then hourly. Embedded: a timer
 * in the one process. Redis mode: every replica runs the timer but a run only prunes when it takes
 * the retention lease (see retention-lease.ts), so N replicas prune about once an hour, not N times.
 * `prune` deletes in chunks and is idempotent, so two runs at once (a lease that expired mid-run)
 * only cost time.
 */
import type { Logger } from "pino";

/** What retention prunes: the archive and the moderation log both have `prune(olderThan)`. */
export interface Prunable {
  /** Removes what is older than `olderThan` (ms since the epoch); resolves with how many went. */
  prune(olderThan: number): Promise<number>;
}

/** One replica at a time: resolves true when this run may prune (the lease was free, and is now this replica's). */
export interface RetentionLease {
  take(ttlMs: number): Promise<boolean>;
}

export interface RetentionOptions {
  /** Days an entry is kept; must be > 0 (0 = forever: do not start retention). */
  days: number;
  /** Between two runs. @default 3600000 (an hour) */
  intervalMs: number;
  /** Before the first run, so a start is not slowed by a long prune. @default 60000 */
  firstRunMs: number;
}

export const defaultRetentionOptions: Omit<RetentionOptions, "days"> = { intervalMs: 3_600_000, firstRunMs: 60_000 };

export interface RetentionDeps {
  /** Pruned in this order each run. */
  targets: Prunable[];
  /** Redis mode: taken for each run (for a bit less than the interval). @default none: always prune */
  lease?: RetentionLease;
  logger: Pick<Logger, "info" | "warn">;
  /** @default Date.now */
  now?: () => number;
  /** Told after each run that pruned, with how many entries went per target. @default none */
  onPruned?: (removed: number[]) => void;
}

export interface Retention {
  /** One run now (what the timer does): resolves with the counts, or null when another replica holds the lease. */
  runOnce(): Promise<number[] | null>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

export function startRetention(deps: RetentionDeps, options: Partial<RetentionOptions> & Pick<RetentionOptions, "days">): Retention {
  const opts = { ...defaultRetentionOptions, ...options } satisfies RetentionOptions;
  if (!(opts.days > 0)) throw new RangeError(`retention needs days > 0, got ${opts.days}`);
  const now = deps.now ?? Date.now;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const runOnce = async (): Promise<number[] | null> => {
    // Held for most of the interval: the next replica's hourly timer finds it taken.
    if (deps.lease && !(await deps.lease.take(Math.max(1_000, opts.intervalMs - 60_000)))) return null;
    const olderThan = now() - opts.days * DAY_MS;
    const removed: number[] = [];
    for (const target of deps.targets) removed.push(await target.prune(olderThan));
    deps.onPruned?.(removed);
    if (removed.some((n) => n > 0)) deps.logger.info({ olderThan: new Date(olderThan).toISOString(), removed }, "archive retention pruned old entries");
    return removed;
  };

  const tick = () => {
    running = runOnce().catch((err: unknown) => {
      // The next run tries again; nothing is half-deleted (each chunk is its own statement).
      deps.logger.warn({ err }, "archive retention run failed; next run in an hour");
    });
  };
  let timer: NodeJS.Timeout = setTimeout(function first() {
    tick();
    timer = setInterval(() => {
      if (!stopped) tick();
    }, opts.intervalMs);
    timer.unref();
  }, opts.firstRunMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(timer);
      await running;
    },
  };
}
