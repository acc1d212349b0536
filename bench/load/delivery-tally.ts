/**
 * What one load process's viewers received since the last reset: deliveries (per viewer
 * implementation, with a checksum of their stamps), latency histograms, the timeline, bytes on the
 * wire. Every viewer of the process records into one tally; the bench merges the processes'.
 */
import { Histogram } from "./histogram.js";
import { TIMELINE_SLOT_MS, type ClientTotals, type ReportResult, type SampleTotals, type ViewerKind } from "./load-protocol.js";

/** Stamp checksums are sums of send times (µs) modulo this prime: exact in doubles, order-free. */
export const CHECKSUM_MODULUS = 1_000_000_007;

export function emptySample(): SampleTotals {
  return { viewers: 0, checked: 0, gaps: 0, duplicates: 0, scanMismatches: 0 };
}

export class DeliveryTally {
  /** Messages sent before this (µs since the epoch) are not counted: a previous step's tail. */
  private fromUs = Number.POSITIVE_INFINITY;
  private cross = new Histogram();
  private local = new Histogram();
  private timeline = new Map<number, number>();
  /** The timeline slot being counted, kept apart so most deliveries touch no Map. */
  private slot = -1;
  private slotCount = 0;
  private clients: Partial<Record<ViewerKind, Omit<ClientTotals, "viewers">>> = {};
  private viewers: Partial<Record<ViewerKind, number>> = {};
  otherEvents = 0;
  disconnects = 0;
  /** What the sample viewers (lean) checked since the reset. */
  sample = emptySample();
  /** Sample viewers connected (not reset: they stay). */
  sampleViewers = 0;

  /** A viewer of this kind is connected (for the per-kind counts in reports). */
  addViewer(kind: ViewerKind): void {
    this.viewers[kind] = (this.viewers[kind] ?? 0) + 1;
  }

  /**
   * One delivery of a message sent at `sentAtUs` from replica `from`, received at `now` (ms) by a
   * viewer of kind `kind` on replica `at`; its latency goes into the histograms unless `latency` is
   * false (a viewer whose receive time is coarse: lean viewers that read in batches). Returns false
   * (not counted) for a message from before the last reset.
   */
  record(kind: ViewerKind, sentAtUs: number, from: number, at: number, now: number, latency = true): boolean {
    if (sentAtUs < this.fromUs) return false;
    const t = this.clients[kind] ?? this.totals(kind);
    t.deliveries++;
    t.checksum = (t.checksum + (sentAtUs % CHECKSUM_MODULUS)) % CHECKSUM_MODULUS;
    const slot = Math.floor(now / TIMELINE_SLOT_MS);
    if (slot !== this.slot) {
      this.flushSlot();
      this.slot = slot;
    }
    this.slotCount++;
    if (latency) (from === at ? this.local : this.cross).record(now - sentAtUs / 1000);
    return true;
  }

  /** Bytes a viewer of `kind` read from its socket (lean viewers see every byte). */
  wireBytes(kind: ViewerKind, n: number): void {
    const t = this.clients[kind] ?? this.totals(kind);
    t.wireBytes = (t.wireBytes ?? 0) + n;
  }

  /** Counts from now on only messages sent at or after `fromMs`. */
  reset(fromMs: number): void {
    this.fromUs = Math.round(fromMs * 1000);
    this.cross = new Histogram();
    this.local = new Histogram();
    this.timeline = new Map();
    this.slot = -1;
    this.slotCount = 0;
    this.clients = {};
    this.otherEvents = 0;
    this.sample = emptySample();
  }

  report(): Omit<ReportResult, "gaps"> {
    this.flushSlot();
    let deliveries = 0;
    const clients: Partial<Record<ViewerKind, ClientTotals>> = {};
    for (const kind of Object.keys(this.viewers) as ViewerKind[]) {
      const t = this.totals(kind);
      deliveries += t.deliveries;
      clients[kind] = { ...t, viewers: this.viewers[kind] ?? 0 };
    }
    return {
      deliveries,
      timeline: Object.fromEntries(this.timeline),
      cross: this.cross.toJSON(),
      local: this.local.toJSON(),
      otherEvents: this.otherEvents,
      disconnects: this.disconnects,
      clients,
      ...(this.sampleViewers > 0 ? { sample: { ...this.sample, viewers: this.sampleViewers } } : {}),
    };
  }

  private totals(kind: ViewerKind): Omit<ClientTotals, "viewers"> {
    return (this.clients[kind] ??= { deliveries: 0, checksum: 0 });
  }

  private flushSlot(): void {
    if (this.slotCount > 0) this.timeline.set(this.slot, (this.timeline.get(this.slot) ?? 0) + this.slotCount);
    this.slotCount = 0;
  }
}
