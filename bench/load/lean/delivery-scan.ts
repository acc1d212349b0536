/**
 * Counting deliveries in a raw Socket.IO packet without decoding it: every delivered chat message
 * carries the bench's stamp at the start of its text (bench/load/message-stamp.ts), so a
 * `chat:message` packet holds one `"text":"bench|` and a `chat:batch` packet one per entry. A native
 * byte search finds them; only the stamp's digits that follow are read.
 */
import { STAMP_PREFIX } from "../message-stamp.js";

/**
 * What precedes a stamp's first `|` in JSON: the field name, the text's opening quote and `bench`.
 * The scan looks for `|` bytes (memchr, about ten times faster here than a substring search, whose
 * setup per call costs more than a short packet's scan) and checks these bytes before each one.
 */
const HEAD = Buffer.from(`"text":"${STAMP_PREFIX.slice(0, -1)}`);
const HEAD_LAST = HEAD.length - 1;
const DIGIT_0 = 0x30;
const DOT = 0x2e;
const BAR = 0x7c;
const QUOTE = 0x22;

/** Receives each stamp found, in the packet's order. */
export interface StampVisitor {
  /** `sentAtUs`: the send time in whole microseconds; `replica`: the sender's replica. */
  stamp(sentAtUs: number, replica: number): void;
}

/** Whether `buf[start, end)` is a Socket.IO EVENT packet on the main namespace (`42[`). */
export function isEventPacket(buf: Buffer, start: number, end: number): boolean {
  return end - start > 3 && buf[start] === 0x34 && buf[start + 1] === 0x32 && buf[start + 2] === 0x5b;
}

/** Whether the `|` at `bar` ends `"text":"bench`, i.e. starts a stamp. */
function isStamp(buf: Buffer, bar: number): boolean {
  const from = bar - HEAD.length;
  for (let k = HEAD_LAST; k >= 0; k--) if (buf[from + k] !== HEAD[k]) return false;
  return true;
}

/**
 * Visits every stamp in `buf[start, end)` and returns how many there were. A stamp with malformed
 * digits is visited as sent at 0 (before any measured step), so the sample's decode check shows it.
 */
export function scanStamps(buf: Buffer, start: number, end: number, visitor: StampVisitor): number {
  let found = 0;
  let bar = buf.indexOf(BAR, start + HEAD.length);
  while (bar >= 0 && bar < end) {
    if (!isStamp(buf, bar)) {
      bar = buf.indexOf(BAR, bar + 1);
      continue;
    }
    let i = bar + 1;
    let whole = 0;
    let c = buf[i]!;
    while (c >= DIGIT_0 && c <= DIGIT_0 + 9) {
      whole = whole * 10 + (c - DIGIT_0);
      c = buf[++i]!;
    }
    let fraction = 0;
    let scale = 1000;
    if (c === DOT) {
      c = buf[++i]!;
      while (c >= DIGIT_0 && c <= DIGIT_0 + 9) {
        scale /= 10;
        fraction += (c - DIGIT_0) * scale;
        c = buf[++i]!;
      }
    }
    let replica = 0;
    let ok = false;
    if (c === BAR) {
      c = buf[++i]!;
      while (c >= DIGIT_0 && c <= DIGIT_0 + 9) {
        replica = replica * 10 + (c - DIGIT_0);
        c = buf[++i]!;
      }
      ok = c === BAR;
    }
    visitor.stamp(ok ? whole * 1000 + Math.round(fraction) : 0, replica);
    found++;
    // Past the stamp's own fields (the lane's `|` would only cost another search to reject).
    if (ok) {
      c = buf[++i]!;
      while (c !== BAR && c !== QUOTE && i < end) c = buf[++i]!;
    }
    bar = buf.indexOf(BAR, i + 1);
  }
  return found;
}
