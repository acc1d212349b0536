/**
 * One server-side WebSocket connection (RFC 6455, no extensions), with the part of `ws`'s
 * `WebSocket` API that engine.io 6 uses: `on`/`once`/`removeListener` for "message", "close" and
 * "error", `send(data, cb)`, `close()`, `readyState`, `_socket`, and `_sender.sendFrame(frame, cb)`
 * for the frames Socket.IO encodes once per broadcast.
 *
 * Why not `ws`: an idle `ws` connection is a WebSocket, a Receiver (a Writable stream with its
 * state and buffers), a Sender and three event tables, about 2 KB of heap per viewer before the
 * TCP socket (`npm run bench:memory`). This is one object of ten fields; what it needs while a
 * frame is partial, a message fragmented or the connection closing is allocated only then, and
 * the TCP socket's listeners are functions shared by every connection.
 *
 * Behaviour follows `ws` 8 as a server with `perMessageDeflate: false`: client frames must be
 * masked; reserved bits, unknown opcodes, fragmented or oversized control frames and bad close
 * codes close with 1002, invalid UTF-8 in text messages or close reasons with 1007, messages over
 * `maxPayload` (summed over fragments) with 1009; pings are answered, pongs ignored; the close
 * handshake echoes the peer's code, and a connection whose peer never answers our close frame is
 * destroyed after `closeTimeoutMs` (30 s).
 */
import { isUtf8 } from "node:buffer";
import type { Socket as NetSocket } from "node:net";
import { CloseCode, Opcode, WebSocketProtocolError, closePayload, frameHeader, isValidCloseCode, unmask } from "./frames.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;
type Slot = Listener | Listener[] | undefined;
export type LeanWebSocketEvent = "message" | "close" | "error";

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const STATE_NAMES = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];
const EMPTY = Buffer.alloc(0);
const kWebSocket = Symbol("leanWebSocket");

type OwnedSocket = NetSocket & { [kWebSocket]?: LeanWebSocket };

/** Settings shared by every connection of one server (one object, not fields per connection). */
export interface ConnectionSettings {
  /** Largest message in bytes, summed over its fragments; 0 for no limit. */
  maxPayload: number;
  /** How long a closing connection waits for the peer's close frame before it is destroyed (`ws`: 30 s). */
  closeTimeoutMs: number;
}

/** Bytes of a frame that has not fully arrived; `need` is its total size once its header is known, else 0. */
interface Pending {
  chunks: Buffer[];
  bytes: number;
  need: number;
}

/** A fragmented message being assembled. */
interface Fragmented {
  opcode: number;
  bytes: number;
  parts: Buffer[];
}

/** The close handshake, created when the connection starts closing. */
interface Closing {
  /** Our close frame has been written. */
  sent: boolean;
  /** The peer's close frame arrived; `code` and `reason` are its. */
  received: boolean;
  /** We are closing because the peer broke the protocol: do not wait for its close frame. */
  failed: boolean;
  code: number;
  reason: Buffer;
  timer: NodeJS.Timeout | undefined;
}

export class LeanWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;

  private _readyState = OPEN;
  private _onmessage: Slot = undefined;
  private _onclose: Slot = undefined;
  private _onerror: Slot = undefined;
  private _pending: Pending | undefined = undefined;
  private _message: Fragmented | undefined = undefined;
  private _closing: Closing | undefined = undefined;

  /**
   * Takes over `socket` right after the 101 response was written; `head` is what the client sent
   * after its handshake.
   */
  constructor(
    readonly _socket: NetSocket,
    head: Buffer,
    private readonly _settings: ConnectionSettings,
  ) {
    (_socket as OwnedSocket)[kWebSocket] = this;
    _socket.setTimeout(0);
    _socket.setNoDelay(true);
    if (head.length > 0) _socket.unshift(head);
    _socket.on("close", LeanWebSocket.onSocketClose);
    _socket.on("data", LeanWebSocket.onSocketData);
    _socket.on("end", LeanWebSocket.onSocketEnd);
    _socket.on("error", LeanWebSocket.onSocketError);
  }

  get readyState(): number {
    return this._readyState;
  }

  /** `ws` sends through `_sender`; engine.io calls `_sender.sendFrame` for pre-encoded frames. */
  get _sender(): this {
    return this;
  }

  on(event: LeanWebSocketEvent, listener: Listener): this {
    const key = slotOf(event);
    const slot = this[key];
    this[key] = slot === undefined ? listener : typeof slot === "function" ? [slot, listener] : [...slot, listener];
    return this;
  }

  addListener(event: LeanWebSocketEvent, listener: Listener): this {
    return this.on(event, listener);
  }

  once(event: LeanWebSocketEvent, listener: Listener): this {
    // "close" is emitted at most once: no wrapper (and no closure per connection) needed.
    if (event === "close") return this.on(event, listener);
    const self = this;
    const wrapper = Object.assign(
      function (this: unknown, ...args: unknown[]) {
        self.removeListener(event, wrapper);
        listener.apply(this, args);
      },
      { listener },
    );
    return this.on(event, wrapper);
  }

  removeListener(event: LeanWebSocketEvent, listener: Listener): this {
    const key = slotOf(event);
    const slot = this[key];
    const matches = (l: Listener) => l === listener || (l as { listener?: Listener }).listener === listener;
    if (typeof slot === "function") {
      if (matches(slot)) this[key] = undefined;
    } else if (slot) {
      const i = slot.findIndex(matches);
      if (i >= 0) {
        const rest = slot.filter((_, j) => j !== i);
        this[key] = rest.length === 1 ? rest[0] : rest;
      }
    }
    return this;
  }

  off(event: LeanWebSocketEvent, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  removeAllListeners(event?: LeanWebSocketEvent): this {
    if (event === undefined || event === "message") this._onmessage = undefined;
    if (event === undefined || event === "close") this._onclose = undefined;
    if (event === undefined || event === "error") this._onerror = undefined;
    return this;
  }

  /** The listeners of `event` (a `once` listener as given, not its wrapper). */
  listeners(event: LeanWebSocketEvent): Listener[] {
    const slot = this[slotOf(event)];
    const all = slot === undefined ? [] : typeof slot === "function" ? [slot] : slot;
    return all.map((l) => (l as { listener?: Listener }).listener ?? l);
  }

  listenerCount(event: LeanWebSocketEvent): number {
    const slot = this[slotOf(event)];
    return slot === undefined ? 0 : typeof slot === "function" ? 1 : slot.length;
  }

  /**
   * Sends a message: a string as a text frame, bytes as a binary frame. Like `ws`, on a connection
   * that is not open the callback gets an error (on the next tick) and nothing is sent.
   */
  send(data: string | Buffer | ArrayBuffer | ArrayBufferView, options?: { binary?: boolean } | ((err?: Error | null) => void), cb?: (err?: Error | null) => void): void {
    if (typeof options === "function") {
      cb = options;
      options = undefined;
    }
    if (this._readyState !== OPEN) {
      if (cb) process.nextTick(cb, new Error(`WebSocket is not open: readyState ${this._readyState} (${STATE_NAMES[this._readyState]})`));
      return;
    }
    let payload: string | Buffer;
    if (typeof data === "string") payload = data;
    else if (Buffer.isBuffer(data)) payload = data;
    else if (ArrayBuffer.isView(data)) payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    else if (data instanceof ArrayBuffer) payload = Buffer.from(data);
    else payload = String(data);
    const binary = options?.binary ?? typeof payload !== "string";
    const length = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
    this.sendFrame([frameHeader(binary ? Opcode.Binary : Opcode.Text, length), payload], cb);
  }

  /** Writes a complete frame (`ws`'s `Sender.frame()` output: header and payload). */
  sendFrame(frame: (Buffer | string)[], cb?: (err?: Error | null) => void): void {
    const socket = this._socket;
    if (frame.length === 1) {
      socket.write(frame[0]!, cb);
      return;
    }
    socket.cork();
    socket.write(frame[0]!);
    socket.write(frame[1]!, cb);
    socket.uncork();
  }

  /**
   * Starts the close handshake (or finishes it). Without a code the close frame is empty. The TCP
   * connection ends once both close frames have been exchanged, or after 30 s.
   */
  close(code?: number, reason?: string | Buffer): void {
    if (this._readyState === CLOSED) return;
    const closing = (this._closing ??= { sent: false, received: false, failed: false, code: CloseCode.Abnormal, reason: EMPTY, timer: undefined });
    if (this._readyState === CLOSING) {
      if (closing.sent && (closing.received || closing.failed)) this._socket.end();
      return;
    }
    const payload = closePayload(code, reason);
    this._readyState = CLOSING;
    const socket = this._socket;
    this.sendFrame([frameHeader(Opcode.Close, payload.length), payload], (err) => {
      if (err) return;
      closing.sent = true;
      if (closing.received || closing.failed) socket.end();
    });
    closing.timer = setTimeout(() => socket.destroy(), this._settings.closeTimeoutMs);
    // A peer that never answers must not keep a stopping process alive either.
    closing.timer.unref();
  }

  /** Not used by engine.io; the connection is always flowing. */
  terminate(): void {
    this._readyState = CLOSING;
    this._socket.destroy();
  }

  private emit(event: LeanWebSocketEvent, a?: unknown, b?: unknown): void {
    const slot = this[slotOf(event)];
    if (slot === undefined) return;
    if (typeof slot === "function") slot.call(this, a, b);
    else for (const l of [...slot]) l.call(this, a, b);
  }

  private reading(): boolean {
    return this._readyState !== CLOSED && !(this._closing?.received || this._closing?.failed);
  }

  private receive(chunk: Buffer): void {
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
      const error = this.checkHeader(b0, b1);
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
      const maxPayload = this._settings.maxPayload;
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
      this.frame((b0 & 0x80) !== 0, opcode, payload);
    }
    if (at < buf.length && this.reading()) this._pending = { chunks: [buf.subarray(at)], bytes: buf.length - at, need: 0 };
  }

  /** The first two bytes of a frame, checked as `ws`'s Receiver does (same messages and codes). */
  private checkHeader(b0: number, b1: number): WebSocketProtocolError | undefined {
    const protocolError = (message: string, code: string) => new WebSocketProtocolError(message, CloseCode.ProtocolError, code);
    if ((b0 & 0x30) !== 0) return protocolError("RSV2 and RSV3 must be clear", "WS_ERR_UNEXPECTED_RSV_2_3");
    if ((b0 & 0x40) !== 0) return protocolError("RSV1 must be clear", "WS_ERR_UNEXPECTED_RSV_1");
    const opcode = b0 & 0x0f;
    if (opcode === Opcode.Continuation) {
      if (!this._message) return protocolError("invalid opcode 0", "WS_ERR_INVALID_OPCODE");
    } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      if (this._message) return protocolError(`invalid opcode ${opcode}`, "WS_ERR_INVALID_OPCODE");
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

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= Opcode.Close) return this.control(opcode, payload);
    const message = this._message;
    if (!fin) {
      const m = message ?? (this._message = { opcode, bytes: 0, parts: [] });
      if (payload.length > 0) {
        m.parts.push(payload);
        m.bytes += payload.length;
      }
      return;
    }
    let data = payload;
    let type = opcode;
    if (message) {
      this._message = undefined;
      type = message.opcode;
      message.parts.push(payload);
      data = Buffer.concat(message.parts, message.bytes + payload.length);
    }
    if (type === Opcode.Text && !isUtf8(data)) {
      return this.fail(new WebSocketProtocolError("invalid UTF-8 sequence", CloseCode.InvalidPayload, "WS_ERR_INVALID_UTF8"));
    }
    this.emit("message", data, type === Opcode.Binary);
  }

  private control(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.Ping) {
      if (this._readyState === OPEN) this.sendFrame([frameHeader(Opcode.Pong, payload.length), payload]);
      return;
    }
    if (opcode === Opcode.Pong) return;
    let code: number = CloseCode.NoStatus;
    let reason = EMPTY;
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) {
        return this.fail(new WebSocketProtocolError(`invalid status code ${code}`, CloseCode.ProtocolError, "WS_ERR_INVALID_CLOSE_CODE"));
      }
      reason = Buffer.from(payload.subarray(2));
      if (!isUtf8(reason)) {
        return this.fail(new WebSocketProtocolError("invalid UTF-8 sequence", CloseCode.InvalidPayload, "WS_ERR_INVALID_UTF8"));
      }
    }
    const closing = (this._closing ??= { sent: false, received: false, failed: false, code, reason, timer: undefined });
    closing.received = true;
    closing.code = code;
    closing.reason = reason;
    // Echo the peer's code (none for 1005), as `ws` does; the TCP connection ends once ours is written.
    if (code === CloseCode.NoStatus) this.close();
    else this.close(code, reason);
  }

  /** The peer broke the protocol: close with the error's code without waiting for its close frame. */
  private fail(error: WebSocketProtocolError): void {
    this._pending = undefined;
    this._message = undefined;
    (this._closing ??= { sent: false, received: false, failed: true, code: CloseCode.Abnormal, reason: EMPTY, timer: undefined }).failed = true;
    this.close(error.statusCode);
    this.emit("error", error);
  }

  private static onSocketData(this: OwnedSocket, chunk: Buffer): void {
    this[kWebSocket]?.receive(chunk);
  }

  private static onSocketEnd(this: OwnedSocket): void {
    const ws = this[kWebSocket];
    if (ws && ws._readyState !== CLOSED) ws._readyState = CLOSING;
    this.end();
  }

  private static onSocketError(this: OwnedSocket): void {
    const ws = this[kWebSocket];
    if (ws && ws._readyState !== CLOSED) ws._readyState = CLOSING;
    this.destroy();
  }

  private static onSocketClose(this: OwnedSocket): void {
    const ws = this[kWebSocket];
    this.removeListener("data", LeanWebSocket.onSocketData);
    this.removeListener("end", LeanWebSocket.onSocketEnd);
    this[kWebSocket] = undefined;
    if (!ws) return;
    const closing = ws._closing;
    if (closing?.timer) clearTimeout(closing.timer);
    ws._readyState = CLOSED;
    ws._pending = undefined;
    ws._message = undefined;
    const received = closing?.received === true;
    ws.emit("close", received ? closing.code : CloseCode.Abnormal, received ? closing.reason : EMPTY);
  }
}

function slotOf(event: LeanWebSocketEvent): "_onmessage" | "_onclose" | "_onerror" {
  switch (event) {
    case "message":
      return "_onmessage";
    case "close":
      return "_onclose";
    case "error":
      return "_onerror";
    default:
      throw new TypeError(`LeanWebSocket emits only "message", "close" and "error", not "${String(event)}"`);
  }
}

/** Whether `socket` was already handed to a LeanWebSocket. */
export function isTakenOver(socket: NetSocket): boolean {
  return (socket as OwnedSocket)[kWebSocket] !== undefined;
}
