/**
 * Load messages carry their send time in the text, so a viewer on another replica computes
 * send-to-receive latency with the same machine clock (all processes run on one host).
 *
 * The text is `bench|<sentAt>|<replica>|<lane>.<seq>|xxxx...`: `sentAt` with exactly three decimals
 * (lean viewers read it from the raw bytes, bench/load/lean/delivery-scan.ts), then the sender lane's
 * own sequence number, which orders a stock server's messages (they have no `prev`).
 */
export interface Stamp {
  /** Milliseconds since the epoch, fractional (performance.timeOrigin + performance.now()). */
  sentAt: number;
  /** Index of the replica the sender is connected to. */
  replica: number;
  /** The sending lane (one sender connection and room), unique in the run. @default undefined */
  lane?: string;
  /** 1, 2, 3... per lane. @default undefined */
  seq?: number;
}

export const STAMP_PREFIX = "bench|";

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A message text of about `length` characters (a realistic chat line) carrying the stamp. */
export function stampText(stamp: Stamp, length: number): string {
  const lane = stamp.lane !== undefined ? `${stamp.lane}.${stamp.seq ?? 0}|` : "";
  const head = `${STAMP_PREFIX}${stamp.sentAt.toFixed(3)}|${stamp.replica}|${lane}`;
  return head.length >= length ? head : head + "x".repeat(length - head.length);
}

export function readStamp(text: string): Stamp | undefined {
  if (!text.startsWith(STAMP_PREFIX)) return undefined;
  const [, sentAt, replica, lane] = text.split("|", 4);
  const stamp: Stamp = { sentAt: Number(sentAt), replica: Number(replica) };
  if (!Number.isFinite(stamp.sentAt) || !Number.isInteger(stamp.replica)) return undefined;
  const dot = lane?.lastIndexOf(".") ?? -1;
  if (lane && dot > 0) {
    stamp.lane = lane.slice(0, dot);
    stamp.seq = Number(lane.slice(dot + 1));
  }
  return stamp;
}

/** The stamp's send time in whole microseconds (exact: the text has three decimals). */
export function sentAtMicros(stamp: Stamp): number {
  return Math.round(stamp.sentAt * 1000);
}
