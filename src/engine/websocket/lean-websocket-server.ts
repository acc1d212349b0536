/**
 * The `wsEngine` for engine.io: the opening handshake of RFC 6455 (the part of `ws`'s
 * `WebSocketServer` that engine.io 6 uses: `new Engine({ maxPayload, perMessageDeflate })`,
 * `handleUpgrade(req, socket, head, cb)`, the "headers" event and `close()`), handing each
 * upgraded socket to a {@link LeanWebSocket}.
 *
 * Same answers as `ws` 8 in `noServer` mode: 405 for a method other than GET, 400 for a bad
 * Upgrade, Sec-WebSocket-Key or Sec-WebSocket-Protocol header, 400 with `Sec-WebSocket-Version: 13, 8`
 * for another version, 503 once closed; the first offered subprotocol is accepted. The only
 * extension is permessage-deflate, and only with `sharedDeflate` (see deflate.ts: no context
 * takeover either way, so no compressor per connection); engine.io's own `perMessageDeflate`
 * (a compressor per connection) stays refused.
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Socket as NetSocket } from "node:net";
import { DEFLATE_RESPONSE, acceptsDeflate } from "./deflate.js";
import { LeanWebSocket, isTakenOver, type ConnectionSettings } from "./lean-websocket.js";

/** What engine.io passes to its `wsEngine` (see engine.io's `Server.init`). */
export interface LeanWebSocketServerOptions {
  /** Largest message accepted, in bytes (engine.io: `maxHttpBufferSize`); 0 for no limit. @default 104857600 */
  maxPayload?: number;
  /** Must be off: compression is not implemented. @default false */
  perMessageDeflate?: unknown;
  /** Accepted for compatibility with engine.io's call; this server never tracks or listens. */
  noServer?: boolean;
  clientTracking?: boolean;
  /** How long a closing connection waits for the peer's close frame. @default 30000 (as `ws`) */
  closeTimeout?: number;
  /**
   * Accept permessage-deflate offers without context takeover (deflate.ts), for frames compressed
   * once per room (shared-frame.ts). @default false
   */
  sharedDeflate?: boolean;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const KEY = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class LeanWebSocketServer extends EventEmitter {
  private readonly settings: ConnectionSettings;
  private readonly sharedDeflate: boolean;
  private closed = false;

  constructor(options: LeanWebSocketServerOptions = {}) {
    super();
    if (options.perMessageDeflate) throw new Error("LeanWebSocketServer does not implement permessage-deflate; turn it off or use ws");
    this.sharedDeflate = options.sharedDeflate === true;
    this.settings = { maxPayload: options.maxPayload ?? 100 * 1024 * 1024, closeTimeoutMs: options.closeTimeout ?? 30_000 };
  }

  /** Completes the opening handshake and calls `cb` with the connection, or answers an error and closes. */
  handleUpgrade(req: IncomingMessage, socket: NetSocket, head: Buffer, cb: (ws: LeanWebSocket, req: IncomingMessage) => void): void {
    socket.on("error", destroyOnError);
    const key = req.headers["sec-websocket-key"];
    const upgrade = req.headers.upgrade;
    const version = Number(req.headers["sec-websocket-version"]);
    if (req.method !== "GET") return abortHandshake(socket, 405, "Invalid HTTP method");
    if (upgrade === undefined || upgrade.toLowerCase() !== "websocket") return abortHandshake(socket, 400, "Invalid Upgrade header");
    if (key === undefined || !KEY.test(key)) return abortHandshake(socket, 400, "Missing or invalid Sec-WebSocket-Key header");
    if (version !== 13 && version !== 8) {
      return abortHandshake(socket, 400, "Missing or invalid Sec-WebSocket-Version header", { "Sec-WebSocket-Version": "13, 8" });
    }
    const protocol = firstProtocol(req.headers["sec-websocket-protocol"]);
    if (protocol === null) return abortHandshake(socket, 400, "Invalid Sec-WebSocket-Protocol header");

    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    if (isTakenOver(socket)) {
      throw new Error("handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration");
    }
    if (this.closed) return abortHandshake(socket, 503);

    const accept = createHash("sha1").update(key + GUID).digest("base64");
    const headers = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Accept: ${accept}`];
    if (protocol !== undefined) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
    const deflate = this.sharedDeflate && acceptsDeflate(req.headers["sec-websocket-extensions"]);
    if (deflate) headers.push(`Sec-WebSocket-Extensions: ${DEFLATE_RESPONSE}`);
    // engine.io adds its headers (e.g. Set-Cookie) here.
    this.emit("headers", headers, req);
    socket.write(headers.concat("\r\n").join("\r\n"));
    socket.removeListener("error", destroyOnError);
    cb(new LeanWebSocket(socket, head, this.settings, deflate), req);
  }

  /** Refuses new handshakes (503). Open connections are engine.io's to close. */
  close(cb?: (err?: Error) => void): void {
    this.closed = true;
    if (cb) process.nextTick(cb);
  }
}

/** The engine for engine.io's `wsEngine`, with permessage-deflate shared per room when `sharedDeflate`. */
export function leanWebSocketEngine(engine: { sharedDeflate: boolean }): typeof LeanWebSocketServer {
  if (!engine.sharedDeflate) return LeanWebSocketServer;
  return class SharedDeflateWebSocketServer extends LeanWebSocketServer {
    constructor(options: LeanWebSocketServerOptions = {}) {
      super({ ...options, sharedDeflate: true });
    }
  };
}

function destroyOnError(this: NetSocket): void {
  this.destroy();
}

/** The first offered subprotocol; undefined when none is offered, null when the header is malformed (as `ws`). */
function firstProtocol(header: string | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  const offered = header.split(",").map((p) => p.trim());
  if (offered.some((p) => !TOKEN.test(p)) || new Set(offered).size !== offered.length) return null;
  return offered[0];
}

function abortHandshake(socket: NetSocket, code: number, message = STATUS_CODES[code] ?? "", extra: Record<string, string> = {}): void {
  const headers: Record<string, string | number> = {
    Connection: "close",
    "Content-Type": "text/html",
    "Content-Length": Buffer.byteLength(message),
    ...extra,
  };
  socket.once("finish", socket.destroy);
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\n` +
      Object.entries(headers)
        .map(([h, v]) => `${h}: ${v}`)
        .join("\r\n") +
      "\r\n\r\n" +
      message,
  );
}
