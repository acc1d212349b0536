/**
 * Write coalescing for engine.io connections: everything a connection is sent within one tick
 * leaves in one socket write, instead of one write per packet.
 *
 * Why: in a hot room every chat message is one WebSocket frame to every viewer, and with stock
 * engine.io each frame is its own `writev` syscall: 43% of a replica's busy CPU in the bench's hot
 * room (`npm run bench -- --cpu-prof DIR`). Holding a connection's flush for up to `tickMs` and
 * corking its TCP socket around the flush turns the k frames of a tick into one syscall. The wire
 * does not change: still one frame (one `chat:message`) per message, in order.
 *
 * Leading edge: a connection that has not written for a tick writes at once; only what follows
 * within the tick waits for it. A quiet room pays no latency, a hot one gets one write per tick.
 *
 * Cost: in a busy connection a packet waits up to `tickMs`.
 */
import type { EngineConnection } from "./engine-connection.js";

export interface WriteCoalescingOptions {
  /** Longest a packet waits for others to share its write. @default 20 */
  tickMs: number;
}

export const defaultWriteCoalescingOptions: WriteCoalescingOptions = { tickMs: 20 };

export class WriteCoalescer {
  private readonly opts: WriteCoalescingOptions;
  private readonly pending = new Set<EngineConnection>();
  private timer: NodeJS.Timeout | undefined;
  /** One function for every connection (`this` is the connection): no closure per viewer. */
  private readonly deferredFlush: (this: EngineConnection) => void;

  constructor(
    options: Partial<WriteCoalescingOptions> = {},
    /** Runs before every flush; false: the connection was closed (a slow consumer), do not write. */
    private readonly admit?: (conn: EngineConnection) => boolean,
  ) {
    this.opts = { ...defaultWriteCoalescingOptions, ...options } satisfies WriteCoalescingOptions;
    const pending = this.pending;
    const schedule = () => this.schedule();
    const tickMs = this.opts.tickMs;
    this.deferredFlush = function (this: EngineConnection) {
      if (admit && !admit(this)) return;
      // WebSocket connections only: a long-polling response carries the whole buffer in one write
      // anyway, and deferring polling flushes interferes with engine.io's upgrade handshake.
      if (tickMs <= 0 || this.transport?.name !== "websocket") return writeNow(this);
      if (pending.has(this)) return;
      const now = Date.now();
      if (this.coalescedAt === undefined || now - this.coalescedAt >= tickMs) {
        this.coalescedAt = now;
        writeNow(this);
        return;
      }
      pending.add(this);
      schedule();
    };
  }

  /**
   * Routes the connection's flushes through the tick (and the admit check). Use on
   * `io.engine.on("connection")`. One function for every connection: no closure per viewer, and no
   * close listener (a closed connection is skipped at the next tick).
   */
  attach(conn: EngineConnection): void {
    if (this.opts.tickMs <= 0 && !this.admit) return;
    conn.flush = this.deferredFlush;
  }

  /** Writes everything that waits, now. */
  flushAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const conns = [...this.pending];
    this.pending.clear();
    const now = Date.now();
    for (const conn of conns) {
      if (conn.readyState === "closed") continue;
      conn.coalescedAt = now;
      writeNow(conn);
    }
  }

  /** Flushes what waits and stops the timer. */
  close(): void {
    this.flushAll();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flushAll(), this.opts.tickMs);
  }
}

/** engine.io's own flush, with the TCP socket corked so its frames leave in one syscall. */
function writeNow(conn: EngineConnection): void {
  // Only a WebSocket has one TCP socket to cork; a polling response is one write anyway.
  const raw = conn.transport?.name === "websocket" ? conn.transport.socket?._socket : undefined;
  raw?.cork();
  try {
    (Object.getPrototypeOf(conn) as EngineConnection).flush.call(conn);
  } finally {
    raw?.uncork();
  }
}
