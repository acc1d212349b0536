/** RFC 6455 framing for the server side: opcodes, frame headers, close codes, protocol errors. */

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

/** Close status codes this server sends (RFC 6455 section 7.4.1). */
export const CloseCode = {
  /** Received in a close frame without a code (never sent). */
  NoStatus: 1005,
  /** The connection ended without a close frame (never sent). */
  Abnormal: 1006,
  ProtocolError: 1002,
  InvalidPayload: 1007,
  MessageTooBig: 1009,
} as const;

/** Whether a peer may send `code` in a close frame (the same rule as `ws`). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** A violation by the peer: the connection is closed with `statusCode`. Shaped like `ws`'s errors. */
export class WebSocketProtocolError extends RangeError {
  override name = "WebSocketProtocolError";
  constructor(
    message: string,
    /** The close code sent to the peer. */
    readonly statusCode: number,
    /** The matching `ws` error code, e.g. `WS_ERR_EXPECTED_MASK`. */
    readonly code: string,
  ) {
    super(message);
  }
}

/** The header of an unmasked, final frame (what a server sends) carrying `length` payload bytes. */
export function frameHeader(opcode: number, length: number): Buffer {
  if (length < 126) {
    const h = Buffer.allocUnsafe(2);
    h[0] = 0x80 | opcode;
    h[1] = length;
    return h;
  }
  if (length < 0x10000) {
    const h = Buffer.allocUnsafe(4);
    h[0] = 0x80 | opcode;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.allocUnsafe(10);
  h[0] = 0x80 | opcode;
  h[1] = 127;
  h.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
  h.writeUInt32BE(length >>> 0, 6);
  return h;
}

/** The payload of a close frame: empty without a code, else the code and a UTF-8 reason of at most 123 bytes. */
export function closePayload(code: number | undefined, reason: string | Buffer = ""): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  if (!isValidCloseCode(code)) throw new TypeError(`invalid close code ${code}`);
  const text = typeof reason === "string" ? Buffer.from(reason) : reason;
  if (text.length > 123) throw new RangeError("a close reason must not be greater than 123 bytes");
  const buf = Buffer.allocUnsafe(2 + text.length);
  buf.writeUInt16BE(code, 0);
  text.copy(buf, 2);
  return buf;
}

/** XORs `payload` in place with the 4-byte mask at `mask[offset..offset+3]`. */
export function unmask(payload: Buffer, mask: Buffer, offset: number): void {
  const m0 = mask[offset]!;
  const m1 = mask[offset + 1]!;
  const m2 = mask[offset + 2]!;
  const m3 = mask[offset + 3]!;
  const n = payload.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    payload[i] = payload[i]! ^ m0;
    payload[i + 1] = payload[i + 1]! ^ m1;
    payload[i + 2] = payload[i + 2]! ^ m2;
    payload[i + 3] = payload[i + 3]! ^ m3;
  }
  for (; i < n; i++) payload[i] = payload[i]! ^ mask[offset + (i & 3)]!;
}
