/**
 * The client side of RFC 6455 framing, for load viewers that read thousands of connections in one
 * process: server frames parsed in place out of whatever a read returned (several frames per read,
 * a frame split over reads, fragmented messages, control frames between fragments), and masked
 * client frames to write.
 *
 * A connection's state is three fields kept on the connection object itself ({@link FrameReaderState}),
 * and the callbacks are one shared sink object: no closure and no buffer per connection until a
 * frame actually straddles two reads or a message comes in fragments.
 */
import { randomBytes } from "node:crypto";

export const Opcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;

/** What the reader keeps per connection between reads. */
export interface FrameReaderState {
  /** The start of a frame the previous read ended inside (a copy: read buffers are reused). */
  partial: Buffer | null;
  /** A fragmented message's payloads so far (null when none is open). */
  fragments: Buffer[] | null;
  /** The opcode of the fragmented message in progress. */
  fragmentOpcode: number;
  /** permessage-deflate was negotiated: RSV1 on a message's first frame marks it compressed. */
  deflate: boolean;
  /** The fragmented message in progress is compressed. */
  fragmentCompressed: boolean;
}

/** Called synchronously for what each read completes; `buf` is valid only during the call. */
export interface FrameSink<C> {
  /** A whole text or binary message in `buf[start, end)`; `compressed`: still deflated (RSV1). */
  message(conn: C, opcode: number, buf: Buffer, start: number, end: number, compressed: boolean): void;
  /** A ping, pong or close frame (its payload, at most 125 bytes). */
  control(conn: C, opcode: number, payload: Buffer): void;
  /** The server broke the protocol; the reader stops reading this chunk. */
  violation(conn: C, reason: string): void;
}

/** Payloads above this are a violation here: the bench's messages are far smaller. */
const MAX_PAYLOAD = 64 * 1024 * 1024;

/**
 * Parses every complete frame in `data` (what one read returned) for `conn`, keeping an incomplete
 * tail for the next call. Server frames must be unmasked and carry no RSV bits but RSV1 on
 * compressed messages when permessage-deflate was negotiated (`conn.deflate`).
 */
export function readFrames<C extends FrameReaderState>(conn: C, data: Buffer, sink: FrameSink<C>): void {
  let buf = data;
  if (conn.partial !== null) {
    buf = Buffer.concat([conn.partial, data]);
    conn.partial = null;
  }
  const length = buf.length;
  let at = 0;
  while (length - at >= 2) {
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    let size = b1 & 0x7f;
    let head = 2;
    if (size === 126) {
      if (length - at < 4) break;
      size = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (size === 127) {
      if (length - at < 10) break;
      if (buf.readUInt32BE(at + 2) !== 0) return sink.violation(conn, "frame longer than 4 GiB");
      size = buf.readUInt32BE(at + 6);
      head = 10;
    }
    if ((b1 & 0x80) !== 0) return sink.violation(conn, "masked frame from the server");
    if ((b0 & 0x30) !== 0) return sink.violation(conn, "RSV2 or RSV3 set");
    const rsv1 = (b0 & 0x40) !== 0;
    if (rsv1 && (!conn.deflate || (b0 & 0x0f) === Opcode.Continuation || (b0 & 0x0f) >= Opcode.Close)) {
      return sink.violation(conn, "RSV1 set outside a compressed message's first frame");
    }
    if (size > MAX_PAYLOAD) return sink.violation(conn, `frame of ${size} bytes`);
    const start = at + head;
    const end = start + size;
    if (end > length) break;
    at = end;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode >= Opcode.Close) {
      if (!fin || size > 125) return sink.violation(conn, "fragmented or long control frame");
      sink.control(conn, opcode, buf.subarray(start, end));
    } else if (opcode === Opcode.Continuation) {
      if (conn.fragments === null) return sink.violation(conn, "continuation without a message");
      conn.fragments.push(Buffer.from(buf.subarray(start, end)));
      if (fin) {
        const whole = Buffer.concat(conn.fragments);
        conn.fragments = null;
        sink.message(conn, conn.fragmentOpcode, whole, 0, whole.length, conn.fragmentCompressed);
      }
    } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      if (conn.fragments !== null) return sink.violation(conn, "new message inside a fragmented one");
      if (fin) {
        sink.message(conn, opcode, buf, start, end, rsv1);
      } else {
        conn.fragments = [Buffer.from(buf.subarray(start, end))];
        conn.fragmentOpcode = opcode;
        conn.fragmentCompressed = rsv1;
      }
    } else {
      return sink.violation(conn, `reserved opcode ${opcode}`);
    }
  }
  if (at < length) conn.partial = Buffer.from(buf.subarray(at));
}

/** A masked client frame (FIN set) carrying `payload`, with a fresh random mask. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const size = payload.length;
  const extra = size < 126 ? 0 : size < 0x10000 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + extra + 4 + size);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | (extra === 0 ? size : extra === 2 ? 126 : 127);
  if (extra === 2) frame.writeUInt16BE(size, 2);
  if (extra === 8) frame.writeBigUInt64BE(BigInt(size), 2);
  const maskAt = 2 + extra;
  randomBytes(4).copy(frame, maskAt);
  for (let i = 0; i < size; i++) frame[maskAt + 4 + i] = payload[i]! ^ frame[maskAt + (i & 3)]!;
  return frame;
}
