import type { ModerationLogEntry } from "../protocol/index.js";
import { encodeMessageId, MonotonicIds } from "./message-id.js";
import { defaultModerationLogOptions, type ModerationLog, type ModerationLogOptions } from "./moderation-log.js";

interface RoomLog {
  entries: ModerationLogEntry[];
  expiresAt: number;
}

/** The embedded moderation log: bounded per room like the Redis one, rooms bounded like the message store's. */
export class MemoryModerationLog implements ModerationLog {
  private readonly rooms = new Map<string, RoomLog>();
  private readonly ids = new MonotonicIds();
  private readonly opts: ModerationLogOptions;

  constructor(
    options: Partial<ModerationLogOptions> = {},
    private readonly now: () => number = Date.now,
    private readonly maxRooms = 10_000,
  ) {
    this.opts = { ...defaultModerationLogOptions, ...options } satisfies ModerationLogOptions;
  }

  async append(entry: Omit<ModerationLogEntry, "id">): Promise<ModerationLogEntry> {
    const now = this.now();
    const { ms, seq } = this.ids.next(now);
    const stored: ModerationLogEntry = { id: encodeMessageId(ms, seq), ...structuredClone(entry) };
    const log = this.live(entry.room) ?? { entries: [], expiresAt: 0 };
    log.entries.push(stored);
    if (log.entries.length > this.opts.maxPerRoom) log.entries.splice(0, log.entries.length - this.opts.maxPerRoom);
    log.expiresAt = now + this.opts.ttlSec * 1000;
    this.rooms.delete(entry.room);
    this.rooms.set(entry.room, log);
    while (this.rooms.size > this.maxRooms) this.rooms.delete(this.rooms.keys().next().value!);
    return structuredClone(stored);
  }

  async list(room: string, query: { before?: string; limit: number }): Promise<ModerationLogEntry[]> {
    const entries = this.live(room)?.entries ?? [];
    const older = query.before === undefined ? entries : entries.filter((e) => e.id < query.before!);
    return older.slice(-query.limit).reverse().map((e) => structuredClone(e));
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }

  private live(room: string): RoomLog | undefined {
    const log = this.rooms.get(room);
    return log && log.expiresAt > this.now() ? log : undefined;
  }
}
