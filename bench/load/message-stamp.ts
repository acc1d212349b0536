/**
 * Load messages carry their send time in the text, so a viewer on another replica computes
 * send-to-receive latency with the same machine clock (all processes run on one host).
 */
export interface Stamp {
  /** Milliseconds since the epoch, fractional (performance.timeOrigin + performance.now()). */
  sentAt: number;
  /** Index of the replica the sender is connected to. */
  replica: number;
}

const PREFIX = "bench|";

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A message text of about `length` characters (a realistic chat line) carrying the stamp. */
export function stampText(stamp: Stamp, length: number): string {
  const head = `${PREFIX}${stamp.sentAt.toFixed(3)}|${stamp.replica}|`;
  return head.length >= length ? head : head + "x".repeat(length - head.length);
}

export function readStamp(text: string): Stamp | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const [, sentAt, replica] = text.split("|", 3);
  const stamp = { sentAt: Number(sentAt), replica: Number(replica) };
  return Number.isFinite(stamp.sentAt) && Number.isInteger(stamp.replica) ? stamp : undefined;
}
