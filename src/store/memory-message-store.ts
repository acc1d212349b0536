import type { PublishedEntry } from "../delivery/published-entry.js";
import {
  type AppendOutcome,
  type HistoryResult,
  type MessageDraft,
  type MessageStore,
  type MemoryLimits,
  type MessageStoreOptions,
  type StoredMessage,
  defaultMessageStoreOptions,
} from "./message-store.js";
import { MonotonicIds, encodeMessageId } from "./message-id.js";

interface StoredEntry extends StoredMessage {
  sender: string;
}

interface RoomState {
  entries: StoredEntry[];
  ids: MonotonicIds;
  dedup: Map<string, { id: string; expiresAt: number }>;
  notice: StoredMessage | null;
  mutes: Map<string, number>;
  expiresAt: number;
}

export interface MemoryMessageStoreDeps {
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** Receives each append's new entries, in order, before `append` resolves. @default none */
  publish?: (room: string, entries: PublishedEntry[]) => void;
}

/**
 * The embedded default: one process, history in memory, durable as soon as stored (there is no
 * second node). Ids are time-based like Redis Stream ids, so ids made after a restart still sort
 * after the ones clients kept from before it.
 */
export class MemoryMessageStore implements MessageStore {
  /** In order of last activity (a room is moved to the end when written to): the first is idle longest. */
  private readonly rooms = new Map<string, RoomState>();
  private readonly opts: MessageStoreOptions & MemoryLimits;
  private readonly now: () => number;
  private readonly publish: MemoryMessageStoreDeps["publish"];
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: Partial<MessageStoreOptions & MemoryLimits> = {}, deps: MemoryMessageStoreDeps = {}) {
    this.opts = { ...defaultMessageStoreOptions, maxRooms: 10_000, ...options };
    this.now = deps.now ?? Date.now;
    this.publish = deps.publish;
    // Abandoned rooms and old dedup keys go away like Redis keys with a TTL would.
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async append(roomId: string, drafts: MessageDraft[]): Promise<AppendOutcome[]> {
    const now = this.now();
    const room = this.room(roomId, now);
    const published: PublishedEntry[] = [];
    const outcomes = drafts.map((draft): AppendOutcome => {
      const seen = room.dedup.get(draft.dedupKey);
      if (seen && seen.expiresAt > now) return { id: seen.id, duplicate: true };
      const mutedUntil = draft.kind === "notice" ? 0 : (room.mutes.get(draft.user.id) ?? 0);
      if (mutedUntil > now) return { mutedForMs: mutedUntil - now };
      const { ms, seq } = room.ids.next(now);
      const entry: StoredEntry = {
        id: encodeMessageId(ms, seq),
        room: roomId,
        kind: draft.kind,
        text: draft.text,
        user: draft.user,
        ts: ms,
        sender: draft.sender,
      };
      const prev = room.entries.at(-1)?.id ?? null;
      room.entries.push(entry);
      if (room.entries.length > this.opts.historySize) room.entries.splice(0, room.entries.length - this.opts.historySize);
      if (entry.kind === "notice") room.notice = toStored(entry);
      room.dedup.set(draft.dedupKey, { id: entry.id, expiresAt: now + this.opts.dedupTtlSec * 1000 });
      room.expiresAt = now + this.opts.historyTtlSec * 1000;
      published.push({ ...toStored(entry), prev, sender: entry.sender });
      return { id: entry.id, duplicate: false };
    });
    if (published.length > 0) this.publish?.(roomId, published);
    return outcomes;
  }

  async mute(roomId: string, userId: string, durationSec: number): Promise<number> {
    const now = this.now();
    const until = now + durationSec * 1000;
    const room = this.room(roomId, now);
    room.mutes.set(userId, until);
    // A room with no messages yet must live at least as long as its mutes.
    room.expiresAt = Math.max(room.expiresAt, until);
    return until;
  }

  async history(roomId: string, since?: string): Promise<HistoryResult> {
    const entries = this.live(roomId)?.entries ?? [];
    const chat = (list: StoredEntry[]) => list.filter((m) => m.kind !== "notice").map(toStored);
    if (since !== undefined) {
      const at = entries.findIndex((m) => m.id === since);
      if (at >= 0) return { recovered: true, messages: chat(entries.slice(at + 1)) };
    }
    return { recovered: false, messages: chat(entries) };
  }

  async notice(roomId: string): Promise<StoredMessage | null> {
    return this.live(roomId)?.notice ?? null;
  }

  async remove(roomId: string, id: string): Promise<boolean> {
    const room = this.live(roomId);
    if (!room) return false;
    const at = room.entries.findIndex((m) => m.id === id);
    if (at < 0) return false;
    room.entries.splice(at, 1);
    if (room.notice?.id === id) room.notice = null;
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.rooms.clear();
  }

  private live(roomId: string): RoomState | undefined {
    const room = this.rooms.get(roomId);
    return room && room.expiresAt > this.now() ? room : undefined;
  }

  /** The room to write to, made most recently active; creating one may drop the room idle longest. */
  private room(roomId: string, now: number): RoomState {
    let room = this.live(roomId);
    if (!room) {
      // An expired room keeps its id source: ids must never go backwards within a room.
      const ids = this.rooms.get(roomId)?.ids ?? new MonotonicIds();
      room = { entries: [], ids, dedup: new Map(), notice: null, mutes: new Map(), expiresAt: now };
    }
    this.rooms.delete(roomId);
    this.rooms.set(roomId, room);
    // A dropped room's ids restart from the clock, which is past every id it gave out.
    while (this.rooms.size > this.opts.maxRooms) this.rooms.delete(this.rooms.keys().next().value!);
    return room;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, room] of this.rooms) {
      if (room.expiresAt <= now) {
        this.rooms.delete(id);
        continue;
      }
      for (const [key, seen] of room.dedup) if (seen.expiresAt <= now) room.dedup.delete(key);
      for (const [userId, until] of room.mutes) if (until <= now) room.mutes.delete(userId);
    }
  }
}

function toStored(e: StoredEntry): StoredMessage {
  return { id: e.id, room: e.room, kind: e.kind, text: e.text, user: e.user, ts: e.ts };
}
