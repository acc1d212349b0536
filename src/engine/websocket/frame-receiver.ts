/**
 * The receiving side of a LeanWebSocket: client frames parsed and checked as `ws` 8's Receiver does
 * (same messages and close codes), fragments assembled into messages. What waits for a partial
 * frame or a fragmented message is allocated only while it waits.
 */
import { isUtf8 } from "node:buffer";
import { inflateMessage } from "./deflate.js";
import { CloseCode, Opcode, WebSocketProtocolError, unmask } from "./frames.js";
import { ListenerSlots } from "./listener-slots.js";

/** Bytes of a frame that has not fully arrived; `need` is its total size once its header is known, else 0. */
interface Pending {
  chunks: Buffer[];
  bytes: number;
  need: number;
}

/** A fragmented message being assembled. */
interface Fragmented {
  opcode: number;
  /** Its first frame had RSV1 set: the message is compressed (permessage-deflate). */
  compressed: boolean;
  bytes: number;
  parts: Buffer[];
}

export abstract class FrameReceiver extends ListenerSlots {
  protected _pending: Pending | undefined = undefined;
  protected _message: Fragmented | undefined = undefined;

  /** Largest message in bytes, summed over its fragments; 0 for no limit. */
  protected abstract get maxPayload(): number;
  /** False once nothing more is read: closed, or the peer's close frame (or a protocol error) came. */
  protected abstract reading(): boolean;
  /** Whether permessage-deflate was negotiated: RSV1 marks a compressed message. */
  protected abstract get inflates(): boolean;
  /** A close, ping or pong frame. */
  protected abstract control(opcode: number, payload: Buffer): void;
  /** The peer broke the protocol. */
  protected abstract fail(error: WebSocketProtocolError): void;

  protected receive(chunk: Buffer): void {
    const pending = this._pending;
    if (pending) {
      pending.chunks.push(chunk);
      pending.bytes += chunk.length;
      // Whole frames only: a large one is copied once, when its last byte is here.
      if (pending.need !== 0 && pending.bytes < pending.need) return;
      this._pending = undefined;
      chunk = Buffer.concat(pending.chunks, pending.bytes);
    }
    this.parse(chunk);
  }

  private parse(buf: Buffer): void {
    let at = 0;
    while (this.reading() && buf.length - at >= 2) {
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      const error = checkHeader(b0, b1, this._message !== undefined, this.inflates);
      if (error) return this.fail(error);
      const opcode = b0 & 0x0f;
      let length = b1 & 0x7f;
      let p = at + 2;
      if (length === 126) {
        if (buf.length < p + 2) break;
        length = buf.readUInt16BE(p);
        p += 2;
      } else if (length === 127) {
        if (buf.length < p + 8) break;
        const high = buf.readUInt32BE(p);
        if (high > 0x1f_ffff) {
          return this.fail(new WebSocketProtocolError("Unsupported WebSocket frame: payload length > 2^53 - 1", CloseCode.MessageTooBig, "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH"));
        }
        length = high * 0x1_0000_0000 + buf.readUInt32BE(p + 4);
        p += 8;
      }
      const maxPayload = this.maxPayload;
      if (opcode < Opcode.Close && maxPayload > 0 && (this._message?.bytes ?? 0) + length > maxPayload) {
        return this.fail(new WebSocketProtocolError("Max payload size exceeded", CloseCode.MessageTooBig, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"));
      }
      const end = p + 4 + length;
      if (buf.length < end) {
        this._pending = { chunks: [buf.subarray(at)], bytes: buf.length - at, need: end - at };
        return;
      }
      const payload = buf.subarray(p + 4, end);
      unmask(payload, buf, p);
      at = end;
      this.frame((b0 & 0x80) !== 0, opcode, payload, (b0 & 0x40) !== 0);
    }
    if (at < buf.length && this.reading()) this._pending = { chunks: [buf.subarray(at)], bytes: buf.length - at, need: 0 };
  }

  private frame(fin: boolean, opcode: number, payload: Buffer, rsv1: boolean): void {
    if (opcode >= Opcode.Close) return this.control(opcode, payload);
    const message = this._message;
    if (!fin) {
      const m = message ?? (this._message = { opcode, compressed: rsv1, bytes: 0, parts: [] });
      if (payload.length > 0) {
        m.parts.push(payload);
        m.bytes += payload.length;
      }
      return;
    }
    let data = payload;
    let type = opcode;
    let compressed = rsv1;
    if (message) {
      this._message = undefined;
      type = message.opcode;
      compressed = message.compressed;
      message.parts.push(payload);
      data = Buffer.concat(message.parts, message.bytes + payload.length);
    }
    if (compressed) {
      try {
        data = inflateMessage(data, this.maxPayload);
      } catch (err) {
        if (err instanceof RangeError) {
          return this.fail(new WebSocketProtocolError("Max payload size exceeded", CloseCode.MessageTooBig, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"));
        }
        return this.fail(new WebSocketProtocolError("invalid compressed data", CloseCode.InvalidPayload, "WS_ERR_INVALID_COMPRESSED_DATA"));
      }
    }
    if (type === Opcode.Text && !isUtf8(data)) {
      return this.fail(new WebSocketProtocolError("invalid UTF-8 sequence", CloseCode.InvalidPayload, "WS_ERR_INVALID_UTF8"));
    }
    this.emit("message", data, type === Opcode.Binary);
  }
}

/** The first two bytes of a frame, checked as `ws`'s Receiver does (same messages and codes). */
function checkHeader(b0: number, b1: number, fragmented: boolean, inflates: boolean): WebSocketProtocolError | undefined {
  const protocolError = (message: string, code: string) => new WebSocketProtocolError(message, CloseCode.ProtocolError, code);
  if ((b0 & 0x30) !== 0) return protocolError("RSV2 and RSV3 must be clear", "WS_ERR_UNEXPECTED_RSV_2_3");
  const opcode = b0 & 0x0f;
  // RSV1 marks a compressed message: only with permessage-deflate, and only on a message's first frame.
  if ((b0 & 0x40) !== 0 && (!inflates || opcode === Opcode.Continuation || opcode >= Opcode.Close)) {
    return protocolError("RSV1 must be clear", "WS_ERR_UNEXPECTED_RSV_1");
  }
  if (opcode === Opcode.Continuation) {
    if (!fragmented) return protocolError("invalid opcode 0", "WS_ERR_INVALID_OPCODE");
  } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
    if (fragmented) return protocolError(`invalid opcode ${opcode}`, "WS_ERR_INVALID_OPCODE");
  } else if (opcode === Opcode.Close || opcode === Opcode.Ping || opcode === Opcode.Pong) {
    if ((b0 & 0x80) === 0) return protocolError("FIN must be set", "WS_ERR_EXPECTED_FIN");
    const length = b1 & 0x7f;
    if (length > 125 || (opcode === Opcode.Close && length === 1)) {
      return protocolError(`invalid payload length ${length}`, "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH");
    }
  } else {
    return protocolError(`invalid opcode ${opcode}`, "WS_ERR_INVALID_OPCODE");
  }
  if ((b1 & 0x80) === 0) return protocolError("MASK must be set", "WS_ERR_EXPECTED_MASK");
  return undefined;
}
