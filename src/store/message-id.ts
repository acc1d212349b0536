/**
 * Message ids: a Redis-Stream-like `<ms>-<seq>` pair, zero-padded so that ids of one room compare
 * as plain strings in storage order (PROTOCOL.md). A raw Stream id such as `1700000000000-10`
 * sorts before `1700000000000-9`; `01700000000000-0000000010` does not.
 */
const MS_DIGITS = 14;
const SEQ_DIGITS = 10;
const ID_PATTERN = /^(\d{14})-(\d{10})$/;

export interface IdParts {
  ms: number;
  seq: number;
}

export function encodeMessageId(ms: number, seq: number): string {
  return `${String(ms).padStart(MS_DIGITS, "0")}-${String(seq).padStart(SEQ_DIGITS, "0")}`;
}

/** Parses an id made by {@link encodeMessageId}; anything else is `null` (an unknown id). */
export function decodeMessageId(id: string): IdParts | null {
  const m = ID_PATTERN.exec(id);
  if (!m) return null;
  return { ms: Number(m[1]), seq: Number(m[2]) };
}

/** Redis Stream id `<ms>-<seq>` <-> wire id. */
export function streamIdToMessageId(streamId: string): string {
  const dash = streamId.indexOf("-");
  return encodeMessageId(Number(streamId.slice(0, dash)), Number(streamId.slice(dash + 1)));
}

export function messageIdToStreamId(id: string): string | null {
  const parts = decodeMessageId(id);
  return parts ? `${parts.ms}-${parts.seq}` : null;
}

/**
 * Monotonic id source for one room, like XADD's `*`: the wall clock in ms, and a sequence within
 * the same ms; if the clock steps back, it keeps the last ms so ids never go backwards.
 */
export class MonotonicIds {
  private lastMs = 0;
  private seq = 0;

  next(nowMs: number): IdParts {
    if (nowMs > this.lastMs) {
      this.lastMs = nowMs;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return { ms: this.lastMs, seq: this.seq };
  }

  /**
   * Makes the next id sort after `last` (an id given out before, e.g. by the process before a
   * restart, read back from the archive), whatever the clock says now.
   */
  seedPast(last: IdParts): void {
    if (last.ms > this.lastMs || (last.ms === this.lastMs && last.seq > this.seq)) {
      this.lastMs = last.ms;
      this.seq = last.seq;
    }
  }
}
