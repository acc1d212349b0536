/**
 * One WebSocket frame for a whole room: built once per room and delivery, written as the very same
 * Buffer to every member connection that can take it now.
 *
 * Why: server frames are not masked, so every viewer of a room can receive identical bytes. The
 * normal path (pre-encoded.ts) already encodes once, but still costs per viewer an engine.io packet
 * object, a push on its write buffer, a flush, a transport send with its callbacks and a corked
 * two-part write. Here a viewer costs one `socket.write(frame)`.
 *
 * When a connection takes the shared frame (`tryWrite`): it is open, on a WebSocket transport
 * that is writable and not upgrading, and engine.io has nothing queued for it (`writeBuffer` empty,
 * so nothing held by the write coalescer either): whatever engine.io wrote before is already in
 * the TCP socket's buffer, ahead of this frame, so nothing is reordered. Anything else (polling,
 * an upgrade, packets waiting) takes the normal path, after what waits.
 *
 * Slow consumers: the client queue limit (client-queue-limit.ts) is asked first, as for every
 * engine.io flush, and it counts the TCP socket's buffer, where these frames wait.
 *
 * permessage-deflate (the lean engine only, websocket/deflate.ts): a connection that accepted it
 * with `server_no_context_takeover` gets the frame compressed once for the room (each message
 * compressed on its own, RSV1 set); frames below `deflateMinBytes` go uncompressed (allowed per
 * message by RFC 7692). With `ws` as the engine no connection has `deflate` set: engine.io keeps
 * `perMessageDeflate` off, and plain shared frames are written when `ws`'s Sender holds nothing
 * back (its `_state` and `_queue`, checked by internals.test.ts).
 *
 * engine.io 6.6.12 / ws 8.21.3 internals (pinned), checked by internals.test.ts.
 */
import type { Socket as NetSocket } from "node:net";
import type { EngineConnection } from "./engine-connection.js";
import type { EncodedPacket } from "./pre-encoded.js";
import { deflateMessage } from "./websocket/deflate.js";
import { Opcode, frameHeader } from "./websocket/frames.js";

export interface SharedFrameOptions {
  /** Messages shorter than this (bytes) are never compressed: deflate gains little on them. @default 256 */
  deflateMinBytes: number;
}

export const defaultSharedFrameOptions: SharedFrameOptions = { deflateMinBytes: 256 };

/** The frames of one delivery to one kind of member: each message's payload, framed lazily. */
export class SharedFrame {
  private plainBytes: Buffer | undefined;
  private deflatedBytes: Buffer | undefined;

  /** `payloads`: each message's WebSocket payload (Engine.IO "4" + Socket.IO packet). */
  constructor(
    private readonly payloads: Buffer[],
    private readonly deflateMinBytes: number,
  ) {}

  /** Messages in this frame. */
  get count(): number {
    return this.payloads.length;
  }

  /** Every message as an uncompressed text frame, in one Buffer. */
  get plain(): Buffer {
    return (this.plainBytes ??= Buffer.concat(this.payloads.flatMap((p) => [frameHeader(Opcode.Text, p.length), p])));
  }

  /** Every message compressed on its own (those over the threshold), in one Buffer; computed once. */
  get deflated(): Buffer {
    return (this.deflatedBytes ??= Buffer.concat(
      this.payloads.flatMap((p) => {
        if (p.length < this.deflateMinBytes) return [frameHeader(Opcode.Text, p.length), p];
        const z = deflateMessage(p);
        const header = frameHeader(Opcode.Text, z.length);
        header[0] = header[0]! | 0x40; // RSV1: this message is compressed
        return [header, z];
      }),
    ));
  }

  /** Whether any message of this frame is compressed when sent deflated. */
  get compresses(): boolean {
    return this.payloads.some((p) => p.length >= this.deflateMinBytes);
  }

  /** The frames of encoded packets (each one text string, as Socket.IO encodes events without binary). */
  static of(packets: EncodedPacket[], deflateMinBytes: number): SharedFrame | null {
    const payloads: Buffer[] = [];
    for (const packet of packets) {
      if (packet.packets.length !== 1 || typeof packet.packets[0] !== "string") return null;
      payloads.push(Buffer.from("4" + packet.packets[0]));
    }
    return new SharedFrame(payloads, deflateMinBytes);
  }
}

/** Counts of what `tryWrite` wrote since the last `take()`. */
export interface SharedWrites {
  plain: number;
  deflated: number;
}

export class SharedFrameWriter {
  readonly opts: SharedFrameOptions;
  private plain = 0;
  private deflated = 0;

  constructor(
    options: Partial<SharedFrameOptions> = {},
    /** The client queue limit's check; false: the connection was closed as a slow consumer. @default none */
    private readonly admit?: (conn: EngineConnection) => boolean,
  ) {
    this.opts = { ...defaultSharedFrameOptions, ...options } satisfies SharedFrameOptions;
  }

  /**
   * Writes `frame` to the connection when it can take it now (see the file's comment); true when
   * written (or when the connection was closed as a slow consumer: nothing more to do), false when
   * the caller must take the normal path.
   */
  tryWrite(conn: EngineConnection, frame: SharedFrame): boolean {
    const raw = directSocket(conn);
    if (!raw) return false;
    if (this.admit && !this.admit(conn)) return true;
    if (conn.transport.socket!.deflate === true && frame.compresses) {
      raw.write(frame.deflated);
      this.deflated++;
    } else {
      raw.write(frame.plain);
      this.plain++;
    }
    return true;
  }

  /** What was written since the last call, and resets the counts. */
  take(): SharedWrites {
    const counts = { plain: this.plain, deflated: this.deflated };
    this.plain = this.deflated = 0;
    return counts;
  }
}

/** The TCP socket of a connection that can take a frame now without reordering, else undefined. */
function directSocket(conn: EngineConnection): NetSocket | undefined {
  if (conn.writeBuffer.length !== 0 || conn.upgrading === true || conn.readyState !== "open") return undefined;
  const transport = conn.transport;
  if (transport.name !== "websocket" || transport.writable !== true) return undefined;
  const ws = transport.socket;
  if (!ws || ws.readyState !== 1) return undefined;
  const sender = ws._sender;
  // `ws`'s Sender holds frames back while it compresses or reads a Blob; the lean one never does.
  if (!sender || (sender !== ws && (sender._state !== 0 || (sender._queue?.length ?? 0) !== 0))) return undefined;
  const raw = ws._socket;
  if (!raw || !raw.writable || raw.destroyed) return undefined;
  return raw;
}
