import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/**
 * Event-loop delay between two reads (Node's native histogram: no timer of ours, no work per
 * event). Separate from prom-client's, which resets its histogram at every scrape.
 */
export class EventLoopLag {
  private readonly histogram: IntervalHistogram;

  /** @param resolutionMs how often the histogram's native timer samples (Node's default is 10). */
  constructor(private readonly resolutionMs = 20) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  /** p99 and max since the last read, in ms past schedule; then starts afresh. */
  read(): { p99: number; max: number } {
    const h = this.histogram;
    // The histogram records whole intervals between its timer's runs: the delay is what exceeds the resolution.
    const late = (ns: number) => Math.max(0, Math.round((ns / 1e6 - this.resolutionMs) * 10) / 10);
    const out = h.count > 0 ? { p99: late(h.percentile(99)), max: late(h.max) } : { p99: 0, max: 0 };
    h.reset();
    return out;
  }

  close(): void {
    this.histogram.disable();
  }
}
