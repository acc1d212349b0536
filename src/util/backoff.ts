/** Exponential backoff with jitter: the wait after each consecutive failure, reset by a success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Records a failure; returns how long to wait: min doubling per failure up to max, then ±25% jitter (so replicas do not retry in step). */
  fail(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.failures);
    this.failures++;
    return Math.round(base * (0.75 + 0.5 * this.random()));
  }

  succeed(): void {
    this.failures = 0;
  }

  get failing(): boolean {
    return this.failures > 0;
  }
}
