import type { Logger } from "pino";
import type { PresenceStore } from "./presence-store.js";

export interface ViewerCountsOptions {
  /**
   * How often changed rooms are reported and announced.
   * @default 1000
   */
  tickMs: number;
  /**
   * How often every room with local viewers is re-reported, keeping this replica's reports alive
   * and noticing other replicas' expired ones. Must be well under the store's ttlMs.
   * @default 3000
   */
  heartbeatMs: number;
}

export const defaultViewerCountsOptions: ViewerCountsOptions = { tickMs: 1_000, heartbeatMs: 3_000 };

export interface ViewerCountsDeps {
  store: PresenceStore;
  replicaId: string;
  /** Sends the room's new total to every member, on every replica. */
  announce: (room: string, count: number) => void;
  /** Sends the room's total to one local socket (a newcomer the announcement did not cover). */
  tell: (socketId: string, room: string, count: number) => void;
  logger: Logger;
}

/**
 * Counts this replica's viewers per room and keeps the cluster-wide totals, without any
 * fetchSockets fan-out: joins and leaves only touch local counters; a tick reports the changed
 * rooms to the presence store, which says which totals to announce.
 */
export class ViewerCounts {
  private readonly opts: ViewerCountsOptions;
  private readonly local = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly known = new Map<string, { total: number; localAtSync: number; replicas: number }>();
  /** Sockets that joined since their room's last sync: they get the total even when it did not change. */
  private readonly newcomers = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private lastHeartbeat = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: ViewerCountsDeps,
    options: Partial<ViewerCountsOptions> = {},
  ) {
    this.opts = { ...defaultViewerCountsOptions, ...options };
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs);
    this.timer.unref();
  }

  joined(room: string, socketId: string): void {
    this.local.set(room, (this.local.get(room) ?? 0) + 1);
    this.dirty.add(room);
    let set = this.newcomers.get(room);
    if (!set) this.newcomers.set(room, (set = new Set()));
    set.add(socketId);
  }

  left(room: string, socketId: string): void {
    this.newcomers.get(room)?.delete(socketId);
    const n = (this.local.get(room) ?? 0) - 1;
    if (n > 0) this.local.set(room, n);
    else this.local.delete(room);
    this.dirty.add(room);
  }

  /** Best current estimate of the room's total: the last synced total plus local changes since. */
  estimate(room: string): number {
    const local = this.local.get(room) ?? 0;
    const known = this.known.get(room);
    return known ? Math.max(0, known.total + local - known.localAtSync) : local;
  }

  /**
   * This replica's share of the cluster's rooms: each local room counts 1 / (replicas with viewers
   * there, as of its last sync), so the shares of all replicas add up to the rooms, each once.
   * A room not synced yet counts whole. One pass over the local rooms (the heartbeat's, every 2 s).
   */
  roomShare(): number {
    let share = 0;
    for (const room of this.local.keys()) share += 1 / Math.max(1, this.known.get(room)?.replicas ?? 1);
    return share;
  }

  /** Reports changed rooms (and all rooms when a heartbeat is due); safe to call at any time. */
  tick(): Promise<void> {
    this.running ??= this.sync().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops ticking and withdraws this replica's counts, so totals drop at once on shutdown. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    for (const room of this.local.keys()) this.dirty.add(room);
    this.local.clear();
    await this.sync();
  }

  private async sync(): Promise<void> {
    const now = Date.now();
    const heartbeat = now - this.lastHeartbeat >= this.opts.heartbeatMs;
    const rooms = new Set(this.dirty);
    if (heartbeat) for (const room of this.local.keys()) rooms.add(room);
    if (rooms.size === 0) return;
    this.dirty.clear();
    const counts = new Map<string, number>();
    for (const room of rooms) counts.set(room, this.local.get(room) ?? 0);
    try {
      const totals = await this.deps.store.sync(this.deps.replicaId, counts);
      if (heartbeat) this.lastHeartbeat = now;
      for (const [room, t] of totals) {
        const localAtSync = counts.get(room) ?? 0;
        // Rooms this replica no longer serves are forgotten; a later join re-syncs them.
        if (localAtSync > 0) this.known.set(room, { total: t.total, localAtSync, replicas: t.replicas });
        else this.known.delete(room);
        const newcomers = this.newcomers.get(room);
        this.newcomers.delete(room);
        if (t.announce) this.deps.announce(room, t.total);
        else if (!t.pending) for (const id of newcomers ?? []) this.deps.tell(id, room, t.total);
        if (t.pending) {
          // Throttled: the coming announcement covers them; keep them until then.
          if (newcomers) this.newcomers.set(room, newcomers);
          this.dirty.add(room);
        }
      }
    } catch (err) {
      for (const room of rooms) this.dirty.add(room);
      this.deps.logger.warn({ err, rooms: rooms.size }, "viewer count sync failed; will retry");
    }
  }
}
