/**
 * Reads in batches: the process sleeps between event-loop turns so that its sockets are read at
 * most once per `everyMs`, whatever arrived meanwhile in one read each.
 *
 * Why: most of a lean viewer's cost is the kernel's, not its JavaScript: in the hot room at
 * 400 msg/s, reading each frame as it came, the viewers' scan of the packets was about a quarter of
 * their CPU and the read syscalls and TCP receive path the rest (several µs per read here). The
 * server writes each viewer once per tick (20-25 ms), so reading as it comes costs the load one
 * read per server write. Reading what accumulated every 250 ms (the bench's default) makes one read
 * carry 2.5 messages at 10 msg/s and a hundred at 400 msg/s. The servers see no
 * difference: the kernel takes their writes into the viewers' receive buffers (at most a few tens
 * of kilobytes per viewer per turn at these rates, well within the buffer) and acknowledges them
 * as before.
 *
 * What it costs: receive times are only as precise as the turn, so counting viewers do not measure
 * latency (the sample viewers, in a process that is never paced, do); replies to the bench wait up
 * to a turn. Engine.IO pings are answered within a turn, far inside their timeout.
 *
 * How: a `setImmediate` callback runs once per turn, after the poll phase has handled every socket
 * that was ready, and blocks the thread (`Atomics.wait`, no CPU) for the rest of the turn. While one
 * is pending the poll phase does not block, so each turn reads everything that arrived during the
 * sleep and sleeps again.
 */
export class ReadPacer {
  private readonly cell = new Int32Array(new SharedArrayBuffer(4));
  private everyMs = 0;
  private turnStart = 0;
  private pending: NodeJS.Immediate | undefined;
  private readonly turn = () => {
    this.pending = undefined;
    if (this.everyMs <= 0) return;
    const rest = this.everyMs - (performance.now() - this.turnStart);
    if (rest > 0) Atomics.wait(this.cell, 0, 0, rest);
    this.turnStart = performance.now();
    this.pending = setImmediate(this.turn);
  };

  /** Reads at most once per `everyMs` from now on (0: stop pacing). */
  start(everyMs: number): void {
    this.everyMs = everyMs;
    this.turnStart = performance.now();
    if (everyMs > 0 && !this.pending) this.pending = setImmediate(this.turn);
  }

  /** Back to reading at once (e.g. while connecting: each handshake step would wait a turn). */
  stop(): void {
    this.everyMs = 0;
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
  }
}
