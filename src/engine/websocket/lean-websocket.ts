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
 * Behaviour follows `ws` 8 as a server with `perMessageDeflate: false` (unless the connection
 * accepted the shared permessage-deflate of deflate.ts: then compressed client messages are
 * inflated, one-shot, and room frames may arrive compressed; everything else is sent plain): client frames must be
 * masked; reserved bits, unknown opcodes, fragmented or oversized control frames and bad close
 * codes close with 1002, invalid UTF-8 in text messages or close reasons with 1007, messages over
 * `maxPayload` (summed over fragments) with 1009; pings are answered, pongs ignored; the close
 * handshake echoes the peer's code, and a connection whose peer never answers our close frame is
 * destroyed after `closeTimeoutMs` (30 s).
 *
 * The class is built in three layers, still one object per connection: its listeners
 * (listener-slots.ts), the receiving side (frame-receiver.ts), and here the connection itself,
 * sending, and the close handshake.
 */
import { isUtf8 } from "node:buffer";
import type { Socket as NetSocket } from "node:net";
import { FrameReceiver } from "./frame-receiver.js";
import { CloseCode, Opcode, WebSocketProtocolError, closePayload, frameHeader, isValidCloseCode } from "./frames.js";

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

export class LeanWebSocket extends FrameReceiver {
  static readonly CONNECTING = 0;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;

  private _readyState = OPEN;
  private _closing: Closing | undefined = undefined;

  /**
   * Takes over `socket` right after the 101 response was written; `head` is what the client sent
   * after its handshake.
   */
  constructor(
    readonly _socket: NetSocket,
    head: Buffer,
    private readonly _settings: ConnectionSettings,
    /** This connection accepted permessage-deflate without context takeover (deflate.ts). */
    readonly deflate = false,
  ) {
    super();
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

  protected get maxPayload(): number {
    return this._settings.maxPayload;
  }

  protected get inflates(): boolean {
    return this.deflate;
  }

  protected reading(): boolean {
    return this._readyState !== CLOSED && !(this._closing?.received || this._closing?.failed);
  }

  protected control(opcode: number, payload: Buffer): void {
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
  protected fail(error: WebSocketProtocolError): void {
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

/** Whether `socket` was already handed to a LeanWebSocket. */
export function isTakenOver(socket: NetSocket): boolean {
  return (socket as OwnedSocket)[kWebSocket] !== undefined;
}
