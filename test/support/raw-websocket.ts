/**
 * A WebSocket client at the byte level, for testing a server's RFC 6455 behaviour: it sends
 * whatever frames a test builds (masked or not, any bits, any split) and parses what comes back.
 */
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";

export interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

export interface FrameOptions {
  /** @default true */
  fin?: boolean;
  /** The three RSV bits, as 0-7. @default 0 */
  rsv?: number;
  /** Clients must mask; false sends a broken frame. @default true */
  mask?: boolean;
}

/** Encodes one client frame. */
export function clientFrame(opcode: number, payload: Buffer | string, options: FrameOptions = {}): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const { fin = true, rsv = 0, mask = true } = options;
  const len = data.length;
  const extra = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + extra + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | opcode;
  head[1] = (mask ? 0x80 : 0) | (extra === 0 ? len : extra === 2 ? 126 : 127);
  if (extra === 2) head.writeUInt16BE(len, 2);
  if (extra === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!mask) return Buffer.concat([head, data]);
  const key = randomBytes(4);
  key.copy(head, 2 + extra);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i & 3]!;
  return Buffer.concat([head, body]);
}

/** A close frame's payload: code and reason. */
export function closeBody(code: number, reason = ""): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
}

export class RawWebSocket {
  private buffered = Buffer.alloc(0);
  private readonly frames: Frame[] = [];
  private waiting: ((f: Frame | undefined) => void) | undefined;
  private ended = false;
  /** Resolves when the TCP connection is closed (by either side). */
  readonly closed: Promise<void>;

  constructor(
    readonly socket: Socket,
    head: Buffer,
  ) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => {
      this.ended = true;
      this.waiting?.(undefined);
    });
    if (head.length > 0) this.onData(head);
  }

  send(opcode: number, payload: Buffer | string = Buffer.alloc(0), options?: FrameOptions): void {
    this.socket.write(clientFrame(opcode, payload, options));
  }

  /** The next frame from the server; undefined once the connection closed without one. */
  next(timeoutMs = 5_000): Promise<Frame | undefined> {
    const f = this.frames.shift();
    if (f || this.ended) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no frame from the server")), timeoutMs);
      this.waiting = (frame) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(frame);
      };
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      const masked = (b[1]! & 0x80) !== 0;
      if (masked) at += 4;
      if (b.length < at + len) return;
      const frame = { fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0x0f, masked, payload: Buffer.from(b.subarray(at, at + len)) };
      this.buffered = b.subarray(at + len);
      if (this.waiting) this.waiting(frame);
      else this.frames.push(frame);
    }
  }
}

export interface UpgradeResult {
  status: number;
  headers: Record<string, string>;
  /** The body of a refused upgrade. */
  body: string;
  /** The connection, when the server switched protocols. */
  ws?: RawWebSocket;
}

/** Sends an opening handshake (override any header, or drop one with `undefined`) and reads the answer. */
export function rawUpgrade(port: number, options: { method?: string; path?: string; headers?: Record<string, string | undefined> } = {}): Promise<UpgradeResult> {
  const headers: Record<string, string | undefined> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...options.headers,
  };
  const lines = Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`);
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  socket.write(`${options.method ?? "GET"} ${options.path ?? "/"} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine, ...rest] = got.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(statusLine!.split(" ")[1]);
      const parsed = Object.fromEntries(rest.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      const after = got.subarray(end + 4);
      if (status === 101) {
        socket.off("data", onData);
        resolve({ status, headers: parsed, body: "", ws: new RawWebSocket(socket, after) });
        return;
      }
      socket.off("data", onData);
      let body = after;
      socket.on("data", (c: Buffer) => (body = Buffer.concat([body, c])));
      socket.once("close", () => resolve({ status, headers: parsed, body: body.toString() }));
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}
