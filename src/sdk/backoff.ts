/** Exponential backoff with jitter, for join and send retries (as centrifuge-js does for its own). */
import type { Clock } from "./clock.js";

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. @default 250 */
  minDelayMs: number;
  /** Upper bound of any delay. @default 10000 */
  maxDelayMs: number;
  /** Growth per attempt. @default 2 */
  factor: number;
  /**
   * Fraction of each delay that is random, so clients that failed together (a replica restart)
   * do not retry together: a delay lies in [d * (1 - jitter), d]. @default 0.5
   */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { minDelayMs: 250, maxDelayMs: 10_000, factor: 2, jitter: 0.5 };

/** The wait before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: Clock["random"]): number {
  const { minDelayMs, maxDelayMs, factor, jitter } = options;
  const ceiling = Math.min(maxDelayMs, minDelayMs * factor ** Math.max(0, attempt));
  return Math.round(ceiling * (1 - jitter * random()));
}
