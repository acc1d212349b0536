/**
 * A cap on what one connection may have queued and not yet taken (MAX_CLIENT_QUEUE_BYTES), like
 * Centrifugo's client queue limit: above it the connection is a slow consumer and is closed.
 *
 * Why: a client that stops reading keeps everything the server sends it in this process's memory.
 * A WebSocket that paused its socket and re-joined a full room 15 times a second queued ~10 MB/s
 * of join acks; four of them killed a replica with a 256 MB heap in seconds. Slow readers in a hot
 * room grow memory the same way, more slowly.
 *
 * What counts as queued: engine.io's `writeBuffer` (packets waiting while the transport is busy:
 * once the TCP socket stops draining, everything new piles up there) plus what the TCP socket holds
 * in Node (`writableLength`, for both WebSocket engines: `lean` and `ws` write straight to it).
 * Text is counted in characters, a close estimate of bytes for the mostly ASCII JSON we send.
 *
 * What the client sees: a last `connection:closed { reason: "slow_consumer" }` event behind what
 * it had not read yet, then a WebSocket close (code 1008, reason "slow_consumer"); a Socket.IO
 * client reports "transport close" and reconnects (then recovers with `since`, as after any drop).
 * Everything queued in engine.io is dropped at once; what the TCP socket holds goes with it when
 * the close handshake ends (30 s at most for a client that never reads again).
 */
import type { Socket as NetSocket } from "node:net";
import type { ConnectionClosed, ServerToClientEvents } from "../protocol/index.js";

export interface ClientQueueOptions {
  /**
   * Bytes one connection may have queued. Far above what a healthy viewer ever has (a few packets
   * per 20 ms write tick), and above a burst of full-history joins.
   * @default 4194304 (4 MiB)
   */
  maxBytes: number;
}

export const defaultClientQueueOptions: ClientQueueOptions = { maxBytes: 4 * 1024 * 1024 };

/** The event a slow consumer gets last (documented in docs/protocol-additions-11.md). */
const CONNECTION_CLOSED_EVENT: keyof ServerToClientEvents = "connection:closed";
export const SLOW_CONSUMER: ConnectionClosed["reason"] = "slow_consumer";
/** WebSocket close code 1008 "policy violation" (RFC 6455, 7.4.1). */
const POLICY_VIOLATION = 1008;
/** Socket.IO EVENT packet for the main namespace, as engine.io sends it (text). */
const CLOSED_PACKET = `42${JSON.stringify([CONNECTION_CLOSED_EVENT, { reason: SLOW_CONSUMER }])}`;

/** engine.io 6.6 Socket internals read here (pinned; src/adapter/internals.test.ts). */
export interface QueuedConnection {
  readyState: string;
  writeBuffer: { data?: unknown }[];
  transport?: {
    name?: string;
    socket?: { _socket?: NetSocket; send?(data: string): void; close?(code: number, reason: string): void };
  };
  close(discard?: boolean): void;
}

/**
 * Full scans of a long writeBuffer are spread out: a connection whose buffer holds 8 or more
 * packets is measured every 8th packet, so a slow reader costs O(1) per write, not O(queue).
 * The cap can be overshot by 7 packets.
 */
const SCAN_EVERY = 8;

function packetSize(data: unknown): number {
  if (typeof data === "string") return data.length;
  if (data !== null && typeof data === "object" && "byteLength" in data) return (data as { byteLength: number }).byteLength;
  return 0;
}

/** Bytes queued for the client on this connection, in engine.io and in the TCP socket. */
export function queuedBytes(conn: QueuedConnection): number {
  let bytes = conn.transport?.socket?._socket?.writableLength ?? 0;
  for (const packet of conn.writeBuffer) bytes += packetSize(packet.data);
  return bytes;
}

export class ClientQueue {
  private readonly opts: ClientQueueOptions;

  constructor(
    options: Partial<ClientQueueOptions> = {},
    private readonly onSlowConsumer: (conn: QueuedConnection, bytes: number) => void = () => {},
  ) {
    this.opts = { ...defaultClientQueueOptions, ...options } satisfies ClientQueueOptions;
  }

  /**
   * Call after writing to a connection. Closes it as a slow consumer when over the cap; returns
   * true then. `always`: measure now even if a scan is not due (after a large write, e.g. an ack).
   */
  check(conn: QueuedConnection, always = false): boolean {
    const waiting = conn.writeBuffer.length;
    if (!always && waiting >= SCAN_EVERY && waiting % SCAN_EVERY !== 0) return false;
    const bytes = queuedBytes(conn);
    if (bytes <= this.opts.maxBytes || conn.readyState !== "open") return false;
    this.close(conn);
    this.onSlowConsumer(conn, bytes);
    return true;
  }

  private close(conn: QueuedConnection): void {
    // Dropped now: it is the memory this frees, and the client will recover it from history.
    conn.writeBuffer.length = 0;
    const ws = conn.transport?.name === "websocket" ? conn.transport.socket : undefined;
    // Straight to the WebSocket, behind what the TCP socket still holds: the transport is busy
    // (that is why packets piled up), so engine.io would keep it queued.
    ws?.send?.(CLOSED_PACKET);
    ws?.close?.(POLICY_VIOLATION, SLOW_CONSUMER);
    // Discard: do not wait for the client to drain the buffer before closing.
    conn.close(true);
  }
}
