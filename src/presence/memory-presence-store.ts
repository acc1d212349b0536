import {
  type PresenceOptions,
  type PresenceStore,
  type RoomTotal,
  defaultPresenceOptions,
} from "./presence-store.js";

interface RoomPresence {
  reports: Map<string, { count: number; expiresAt: number }>;
  lastTotal: number;
  lastAnnouncedAt: number;
}

/** Same semantics as the Redis store, for the embedded single process (and its tests). */
export class MemoryPresenceStore implements PresenceStore {
  private readonly rooms = new Map<string, RoomPresence>();
  private readonly opts: PresenceOptions;

  constructor(
    options: Partial<PresenceOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...defaultPresenceOptions, ...options };
  }

  async sync(replicaId: string, counts: ReadonlyMap<string, number>): Promise<Map<string, RoomTotal>> {
    const now = this.now();
    const out = new Map<string, RoomTotal>();
    for (const [roomId, count] of counts) {
      let room = this.rooms.get(roomId);
      if (!room) {
        room = { reports: new Map(), lastTotal: 0, lastAnnouncedAt: 0 };
        this.rooms.set(roomId, room);
      }
      if (count > 0) room.reports.set(replicaId, { count, expiresAt: now + this.opts.ttlMs });
      else room.reports.delete(replicaId);
      let total = 0;
      for (const [id, r] of room.reports) {
        if (r.expiresAt <= now) room.reports.delete(id);
        else total += r.count;
      }
      const changed = total !== room.lastTotal;
      const announce = changed && now - room.lastAnnouncedAt >= this.opts.announceIntervalMs;
      if (announce) {
        room.lastTotal = total;
        room.lastAnnouncedAt = now;
      }
      out.set(roomId, { total, announce, pending: changed && !announce, replicas: room.reports.size });
      if (room.reports.size === 0 && !changed) this.rooms.delete(roomId);
    }
    return out;
  }

  async totals(rooms: readonly string[]): Promise<Map<string, number>> {
    const now = this.now();
    const out = new Map<string, number>();
    for (const roomId of rooms) {
      let total = 0;
      for (const r of this.rooms.get(roomId)?.reports.values() ?? []) if (r.expiresAt > now) total += r.count;
      out.set(roomId, total);
    }
    return out;
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }
}
