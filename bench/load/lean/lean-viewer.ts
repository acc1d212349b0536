/**
 * Lean viewers: raw WebSocket connections that speak just enough Engine.IO v4 and Socket.IO v5 to
 * be a chat viewer, and count what they receive without decoding it, so that a load process of a
 * few thousand of them costs far less per delivery than the servers it measures.
 *
 * Each one: the WebSocket opening handshake straight to `/socket.io/?EIO=4&transport=websocket`,
 * the Engine.IO open packet, a Socket.IO CONNECT to `/` with the `auth` the bench's other clients
 * send (`caps: ["batch"]` and an anonymous `session`, as the SDK does, or nothing, as a v1 client),
 * `room:join` with an ack per room, pongs to Engine.IO pings and to WebSocket pings. Then each
 * EVENT packet is counted with a byte scan for the bench's message stamps (bench/load/lean/delivery-scan.ts):
 * one per `chat:message`, one per entry of a `chat:batch`, whatever the server. The sample
 * (`spec.sample`) also decodes every packet (bench/load/lean/sample-check.ts).
 *
 * Cheap by construction: one `net.Socket` subclass per viewer with a handful of fields, reads go
 * into one buffer shared by the whole group (`onread`: no allocation and no stream machinery per
 * read), and every listener is one function shared by all viewers (`this` is the viewer). A
 * buffer of its own appears only while a frame straddles two reads.
 *
 * permessage-deflate is offered as browsers offer it (`offerDeflate`); a server that accepts must
 * answer with `server_no_context_takeover` (this server's shared deflate: every message a deflate
 * stream of its own), else the viewer fails. Every viewer of a room on one replica then receives
 * the very same compressed bytes, so the counting viewers of a process look each compressed message
 * up in a small cache shared by the group and inflate only what is new to the process; sample
 * viewers inflate every message themselves (`inflateRawSync`).
 *
 * Not done: HTTP long-polling (WebSocket only, as the bench's other clients), reconnecting (a dropped viewer counts as
 * disconnected and receives nothing more, like the bench's other clients), binary packets.
 */
import { createHash, randomBytes } from "node:crypto";
import { constants, inflateRawSync } from "node:zlib";
import { Socket, type OnReadOpts, type SocketConstructorOpts } from "node:net";
import { isEventPacket, scanStamps, type StampVisitor } from "./delivery-scan.js";
import type { DeliveryTally } from "../delivery-tally.js";
import type { JoinResult } from "../../../src/protocol/index.js";
import type { ClientSpec } from "../load-protocol.js";
import { preciseNow } from "../message-stamp.js";
import { SampleCheck } from "./sample-check.js";
import { clientFrame, Opcode, readFrames, type FrameReaderState, type FrameSink } from "./websocket-reader.js";

export interface LeanViewersOptions {
  /** Longest a viewer may take from TCP connect to its last join ack. @default 20_000 */
  connectTimeoutMs: number;
  /** Bytes of the read buffer all viewers of the group share. @default 65_536 */
  readBufferBytes: number;
  /** Offer permessage-deflate (`client_max_window_bits`, as Chromium does). @default true */
  offerDeflate: boolean;
}

export const defaultLeanViewersOptions: LeanViewersOptions = { connectTimeoutMs: 20_000, readBufferBytes: 64 * 1024, offerDeflate: true };

/** The empty stored block RFC 7692 has the sender strip from every compressed message. */
const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** Compressed messages a group remembers for its counting viewers (a few ticks of a few replicas' rooms). */
const INFLATED_CACHE = 64;

const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Where a viewer is in its life. */
const State = { Upgrading: 0, EngineOpening: 1, Connecting: 2, Joining: 3, Live: 4, Closed: 5 } as const;
type State = (typeof State)[keyof typeof State];

const CHAR_0 = 0x30;
const CHAR_2 = 0x32;
const CHAR_3 = 0x33;
const CHAR_4 = 0x34;
const CHAR_BRACKET = 0x5b;
const JOIN_OK = Buffer.from('[{"ok":true');

class LeanViewer extends Socket implements FrameReaderState, StampVisitor {
  state: State = State.Upgrading;
  partial: Buffer | null = null;
  fragments: Buffer[] | null = null;
  fragmentOpcode = 0;
  deflate = false;
  fragmentCompressed = false;
  /** When the current read arrived (ms): every delivery in it is received then. */
  readAt = 0;
  /** Rooms whose join ack has not come yet. */
  joinsLeft = 0;
  /** The handshake's key, until the upgrade answer is checked. */
  key: string | null = randomBytes(16).toString("base64");
  /** The pending open() while connecting; null once live or failed. */
  settle: { resolve: () => void; reject: (err: Error) => void } | null = null;
  timer: NodeJS.Timeout | undefined;
  readonly sample: SampleCheck | null;

  constructor(
    readonly group: LeanViewers,
    readonly spec: ClientSpec,
    readBuffer: Buffer,
  ) {
    // `onread` works in the constructor (Node's own net.connect passes it there); @types/node lists
    // it only among the connect options, where it is ignored on an existing socket.
    const options: SocketConstructorOpts & { onread: OnReadOpts } = { onread: { buffer: readBuffer, callback: onRead } };
    super(options);
    this.sample = spec.sample ? new SampleCheck(group.tally) : null;
  }

  stamp(sentAtUs: number, replica: number): void {
    // Only the sample's receive times are exact: other lean viewers may read in batches (read-pacer.ts).
    this.group.tally.record("lean", sentAtUs, replica, this.spec.replica, this.readAt, this.sample !== null);
  }

  /** Ends the connection attempt with `err` (or, once live, just closes). */
  fail(err: Error): void {
    const settle = this.settle;
    this.settle = null;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.destroy();
    settle?.reject(err);
  }

  sendText(text: string): void {
    this.write(clientFrame(Opcode.Text, Buffer.from(text)));
  }

  /** The HTTP answer to the opening handshake, then whatever frames followed it in the same read. */
  upgrade(data: Buffer): void {
    const buf = this.partial === null ? data : Buffer.concat([this.partial, data]);
    this.partial = null;
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) {
      if (buf.length > 16_384) return this.fail(new Error("upgrade answer too long"));
      this.partial = Buffer.from(buf);
      return;
    }
    const head = buf.toString("latin1", 0, end);
    const accept = createHash("sha1").update(this.key + WEBSOCKET_GUID).digest("base64");
    this.key = null;
    if (!head.startsWith("HTTP/1.1 101")) return this.fail(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
    if (!new RegExp(`^sec-websocket-accept:\\s*${accept.replace(/[+/]/g, "\\$&")}\\s*$`, "im").test(head)) {
      return this.fail(new Error("upgrade answer without the right Sec-WebSocket-Accept"));
    }
    const extensions = /^sec-websocket-extensions:(.*)$/im.exec(head)?.[1] ?? "";
    if (/permessage-deflate/.test(extensions)) {
      if (!/server_no_context_takeover/.test(extensions)) return this.fail(new Error(`deflate with context takeover is not supported: ${extensions.trim()}`));
      this.deflate = true;
    }
    this.state = State.EngineOpening;
    if (buf.length > end + 4) readFrames(this, buf.subarray(end + 4), this.group.sink);
  }

  /** One Engine.IO packet (a whole text message) in `buf[start, end)`. */
  packet(buf: Buffer, start: number, end: number): void {
    const type = buf[start];
    if (type === CHAR_4) {
      const sio = buf[start + 1];
      if (sio === CHAR_2 && isEventPacket(buf, start, end)) {
        this.sample?.packet(buf, start, end);
        if (scanStamps(buf, start, end, this) === 0) this.group.tally.otherEvents++;
      } else if (sio === CHAR_3) {
        this.joinAck(buf, start + 2, end);
      } else if (sio === CHAR_0 && this.state === State.Connecting) {
        this.state = State.Joining;
        this.joinsLeft = this.spec.rooms.length;
        this.spec.rooms.forEach((room, i) => this.sendText(`42${i + 1}${JSON.stringify(["room:join", { room }])}`));
        if (this.joinsLeft === 0) this.live();
      } else if (sio === CHAR_4) {
        this.fail(new Error(`connect_error: ${buf.toString("utf8", start + 2, end)}`));
      }
    } else if (type === CHAR_2) {
      // Engine.IO ping: answered at once, in the same read (a late pong gets the viewer dropped).
      this.write(this.group.pong);
    } else if (type === CHAR_0 && this.state === State.EngineOpening) {
      this.state = State.Connecting;
      const auth = this.spec.batch ? { caps: ["batch"], session: randomBytes(16).toString("base64url") } : {};
      this.sendText(`40${JSON.stringify(auth)}`);
    }
  }

  private joinAck(buf: Buffer, start: number, end: number): void {
    let at = start;
    let id = 0;
    while (at < end && buf[at]! >= CHAR_0 && buf[at]! <= CHAR_0 + 9) id = id * 10 + (buf[at++]! - CHAR_0);
    const room = this.spec.rooms[id - 1];
    if (this.state !== State.Joining || room === undefined || buf[at] !== CHAR_BRACKET) return;
    const ok = end - at >= JOIN_OK.length && buf.compare(JOIN_OK, 0, JOIN_OK.length, at, at + JOIN_OK.length) === 0;
    if (!ok || this.sample) {
      const [ack] = JSON.parse(buf.toString("utf8", at, end)) as [Partial<JoinResult> & { ok: boolean; error?: { code: string } }];
      if (!ack.ok) return this.fail(new Error(`join ${room}: ${ack.error?.code ?? "refused"}`));
      this.sample?.joined(room, ack);
    }
    if (--this.joinsLeft === 0) this.live();
  }

  private live(): void {
    this.state = State.Live;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.group.tally.addViewer("lean");
    if (this.sample) this.group.tally.sampleViewers++;
    const settle = this.settle;
    this.settle = null;
    settle?.resolve();
  }
}

/**
 * The socket's read callback, shared by every viewer (`this` is the viewer). `buf` is the group's
 * read buffer (a Buffer, typed as its Uint8Array base); true keeps the socket reading.
 */
function onRead(this: LeanViewer, nread: number, buf: Uint8Array): boolean {
  this.group.tally.wireBytes("lean", nread);
  this.readAt = preciseNow();
  const data = (buf as Buffer).subarray(0, nread);
  if (this.state === State.Upgrading) this.upgrade(data);
  else readFrames(this, data, this.group.sink);
  return true;
}

function onConnect(this: LeanViewer): void {
  const { hostname, port } = new URL(this.spec.url);
  this.write(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n` +
      (this.group.options.offerDeflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "") +
      "\r\n",
  );
}

function onError(this: LeanViewer, err: Error): void {
  this.fail(err);
}

function onClose(this: LeanViewer): void {
  if (this.state === State.Live) this.group.tally.disconnects++;
  this.state = State.Closed;
  this.fail(new Error("closed before joining"));
}

function onTimeout(viewer: LeanViewer): void {
  viewer.fail(new Error(`not joined within ${viewer.group.options.connectTimeoutMs} ms (state ${viewer.state})`));
}

/** The WebSocket callbacks, one object for every viewer of a group. */
const SINK: FrameSink<LeanViewer> = {
  message(viewer, opcode, buf, start, end, compressed) {
    if (opcode !== Opcode.Text) return;
    if (!compressed) return viewer.packet(buf, start, end);
    const plain = viewer.sample ? inflate(buf.subarray(start, end)) : viewer.group.inflated(buf, start, end);
    viewer.packet(plain, 0, plain.length);
  },
  control(viewer, opcode, payload) {
    if (opcode === Opcode.Ping) viewer.write(clientFrame(Opcode.Pong, payload));
    else if (opcode === Opcode.Close) {
      // Echo the close (its code only), then let the server end TCP.
      viewer.end(clientFrame(Opcode.Close, payload.subarray(0, Math.min(2, payload.length))));
    }
  },
  violation(viewer, reason) {
    viewer.fail(new Error(`WebSocket protocol violation by the server: ${reason}`));
  },
};

/** A load process's lean viewers: they share a read buffer, one tally and their callbacks. */
export class LeanViewers {
  readonly options: LeanViewersOptions;
  readonly sink = SINK;
  /** An Engine.IO pong (`3`) as a masked frame, written as is to every viewer. */
  readonly pong = clientFrame(Opcode.Text, Buffer.from("3"));
  /** Compressed messages met lately and what they inflate to, newest last. */
  private readonly inflatedCache: { z: Buffer; plain: Buffer }[] = [];
  /** Compressed messages this group inflated for its counting viewers (cache misses). */
  inflates = 0;
  private readonly readBuffer: Buffer;
  private readonly viewers = new Set<LeanViewer>();

  constructor(
    readonly tally: DeliveryTally,
    options: Partial<LeanViewersOptions> = {},
  ) {
    this.options = { ...defaultLeanViewersOptions, ...options } satisfies LeanViewersOptions;
    this.readBuffer = Buffer.allocUnsafe(this.options.readBufferBytes);
  }

  /** Connects one viewer and joins its rooms; rejects on a refusal, a failed join or the timeout. */
  open(spec: ClientSpec): Promise<void> {
    const viewer = new LeanViewer(this, spec, this.readBuffer);
    this.viewers.add(viewer);
    viewer.on("connect", onConnect).on("error", onError).on("close", onClose);
    const { hostname, port } = new URL(spec.url);
    return new Promise<void>((resolve, reject) => {
      viewer.settle = { resolve, reject };
      viewer.timer = setTimeout(onTimeout, this.options.connectTimeoutMs, viewer);
      viewer.connect({ host: hostname, port: Number(port), noDelay: true, ...(spec.localAddress ? { localAddress: spec.localAddress } : {}) });
    }).catch((err: unknown) => {
      this.viewers.delete(viewer);
      throw err;
    });
  }

  /** `buf[start, end)` inflated, from the cache when another viewer of the group received the same bytes. */
  inflated(buf: Buffer, start: number, end: number): Buffer {
    const cache = this.inflatedCache;
    const length = end - start;
    for (let i = cache.length - 1; i >= 0; i--) {
      const entry = cache[i]!;
      if (entry.z.length === length && buf.compare(entry.z, 0, length, start, end) === 0) return entry.plain;
    }
    const z = Buffer.from(buf.subarray(start, end));
    const plain = inflate(z);
    this.inflates++;
    cache.push({ z, plain });
    if (cache.length > INFLATED_CACHE) cache.shift();
    return plain;
  }

  /** Closes every viewer's connection at once. */
  closeAll(): void {
    for (const v of this.viewers) v.destroy();
    this.viewers.clear();
  }
}

/** One compressed message on its own (the server takes no context over). */
function inflate(z: Buffer): Buffer {
  return inflateRawSync(Buffer.concat([z, DEFLATE_TAIL]), { finishFlush: constants.Z_SYNC_FLUSH });
}
