/**
 * A cap on the bytes queued for one client (`MAX_CLIENT_QUEUE_BYTES`), like Centrifugo's client
 * queue limit: a connection whose peer does not read what it is sent is closed as a slow consumer
 * instead of growing the replica's memory until it dies.
 *
 * Where bytes wait: engine.io sends a connection's packets from its `writeBuffer`; while the
 * previous write has not drained (the peer's TCP window and the kernel's buffer are full), the
 * transport is not writable and new packets pile up there, plus whatever Node holds in the TCP
 * socket's own buffer. Both are counted. One paused reader re-joining a filled room used to queue
 * ~10 MB/s that way.
 *
 * Cost on the hot path: the check runs on every flush (every packet). The buffer's bytes are summed
 * only while it is short (≤ 16 packets: a healthy connection has 0 or 1 there) and then each time its
 * length reaches a power of two, so a growing buffer costs O(1) amortised per packet, and the cap is
 * overshot by at most one doubling of the packet count before it is seen.
 *
 * What the client sees: WebSocket close code 4008, reason "slow consumer" (after whatever it had
 * already received); with long-polling, the session ends. Its queue is dropped at once.
 */
import type { EngineConnection } from "./engine-connection.js";

export interface ClientQueueLimitOptions {
  /** Bytes that may wait for one client. @default 1048576 (1 MiB) */
  maxBytes: number;
}

export const defaultClientQueueLimitOptions: ClientQueueLimitOptions = { maxBytes: 1_048_576 };

/** WebSocket close code for a slow consumer (4000-4999: for applications; Centrifugo uses 3008). */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;
export const SLOW_CONSUMER_REASON = "slow consumer";

function packetBytes(packet: { data?: unknown }): number {
  const data = packet.data;
  if (typeof data === "string") return data.length;
  if (data && typeof (data as { byteLength?: unknown }).byteLength === "number") return (data as { byteLength: number }).byteLength;
  return 16;
}

/** Bytes of the packets waiting in engine.io's write buffer (the TCP socket's own buffer is apart). */
function writeBufferBytes(conn: EngineConnection): number {
  let bytes = 0;
  for (const packet of conn.writeBuffer) bytes += packetBytes(packet);
  return bytes;
}

export class ClientQueueLimit {
  readonly opts: ClientQueueLimitOptions;

  constructor(
    options: Partial<ClientQueueLimitOptions> = {},
    private readonly onSlowConsumer: (conn: EngineConnection, bytes: number) => void = () => undefined,
  ) {
    this.opts = { ...defaultClientQueueLimitOptions, ...options } satisfies ClientQueueLimitOptions;
  }

  /**
   * Call before a flush. False when the connection is over the cap: it has been closed and its
   * queue dropped, so the caller must not flush.
   */
  admit(conn: EngineConnection): boolean {
    const n = conn.writeBuffer.length;
    // Cheap first: the TCP socket's buffer alone, then the write buffer's bytes when it is due.
    const raw = conn.transport?.socket?._socket?.writableLength ?? 0;
    if (raw <= this.opts.maxBytes && n > 16 && (n & (n - 1)) !== 0) return true;
    const bytes = raw > this.opts.maxBytes ? raw : raw + writeBufferBytes(conn);
    if (bytes <= this.opts.maxBytes) return true;
    this.closeSlow(conn, bytes);
    return false;
  }

  private closeSlow(conn: EngineConnection, bytes: number): void {
    if (conn.readyState === "closed") return;
    this.onSlowConsumer(conn, bytes);
    conn.writeBuffer = [];
    // The code first (engine.io's own close would send an empty close frame), then engine.io's
    // close with discard: the Socket.IO socket ends now ("forced close"), not after the TCP close.
    if (conn.transport?.name === "websocket") conn.transport.socket?.close?.(SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_REASON);
    conn.close(true);
  }
}
