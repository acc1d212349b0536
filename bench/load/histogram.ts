/**
 * A latency histogram with ~1% relative precision: bucket i holds values in
 * [GROWTH^(i-1), GROWTH^i) microseconds. Fixed size, so load processes can merge and ship them as
 * plain arrays however many deliveries they saw.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** 1.01^1900 µs is about 160 s: far beyond any latency a bounded bench run can see. */
const BUCKETS = 1900;

export class Histogram {
  readonly counts: number[];
  count = 0;
  max = 0;

  constructor(counts?: number[]) {
    this.counts = counts ? [...counts] : new Array<number>(BUCKETS).fill(0);
    for (const c of this.counts) this.count += c;
  }

  /** Records one latency in milliseconds (negative clock noise counts as 0). */
  record(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const i = Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_GROWTH));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
  }

  /** The value at quantile q (0..1) in milliseconds, to the bucket's upper edge; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.pow(GROWTH, i) / 1000;
    }
    return this.max;
  }

  toJSON(): { counts: number[]; max: number } {
    return { counts: this.counts, max: this.max };
  }

  static from(json: { counts: number[]; max: number }): Histogram {
    const h = new Histogram(json.counts);
    h.max = json.max;
    return h;
  }
}
