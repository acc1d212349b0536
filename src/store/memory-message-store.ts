import type { RoomSettings } from "../protocol/index.js";
import { historyWindow } from "./history-window.js";
import {
  type AppendOutcome,
  type HistoryResult,
  type MessageDraft,
  type MessageStore,
  type MemoryLimits,
  type MessageStoreOptions,
  type PublishedEntry,
  type RoomAccess,
  type StoredMessage,
  DEFAULT_ROOM_SETTINGS,
  PACE_TTL_MS,
  defaultMemoryLimits,
  defaultMessageStoreOptions,
} from "./message-store.js";
import { MonotonicIds, encodeMessageId } from "./message-id.js";

interface StoredEntry extends StoredMessage {
  sender: string;
}

interface RoomState {
  entries: StoredEntry[];
  ids: MonotonicIds;
  dedup: Map<string, { id: string; fingerprint: string; expiresAt: number }>;
  notice: StoredMessage | null;
  mutes: Map<string, number>;
  expiresAt: number;
  /** What outlives the history's TTL (as the Redis keys without a TTL do): bans, settings, pace. */
  lasting: LastingState;
}

interface LastingState {
  /** User id -> when the ban ends (Infinity: until lifted). */
  bans: Map<string, number>;
  settings: RoomSettings;
  /** User id -> when their last slow-mode-counted message was stored. */
  pace: Map<string, number>;
  /** Until when viewers' messages are accepted with `requireOpenRooms` (ms). */
  openUntil: number;
}

const freshLasting = (): LastingState => ({ bans: new Map(), settings: { ...DEFAULT_ROOM_SETTINGS }, pace: new Map(), openUntil: 0 });

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
    this.opts = { ...defaultMessageStoreOptions, ...defaultMemoryLimits, ...options };
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
    const { bans, pace, settings } = room.lasting;
    const slowMs = settings.slowModeSec * 1000;
    const closed = this.opts.requireOpenRooms && room.lasting.openUntil < now;
    const outcomes = drafts.map((draft): AppendOutcome => {
      const fingerprint = draft.fingerprint ?? "";
      const seen = room.dedup.get(draft.dedupKey);
      if (seen && seen.expiresAt > now) {
        return seen.fingerprint === fingerprint ? { id: seen.id, duplicate: true } : { refused: "conflict" };
      }
      const userId = draft.user.id;
      if (!draft.exempt) {
        if (closed) return { refused: "closed" };
        const bannedUntil = bans.get(userId) ?? 0;
        if (bannedUntil > now) return bannedUntil === Infinity ? { refused: "banned" } : { refused: "banned", retryAfterMs: bannedUntil - now };
        const mutedUntil = draft.kind === "notice" ? 0 : (room.mutes.get(userId) ?? 0);
        if (mutedUntil > now) return { mutedForMs: mutedUntil - now };
        const last = pace.get(userId);
        if (slowMs > 0 && last !== undefined && now - last < slowMs) return { refused: "slow_mode", retryAfterMs: last + slowMs - now };
      }
      const { ms, seq } = room.ids.next(now);
      const entry: StoredEntry = {
        id: encodeMessageId(ms, seq),
        room: roomId,
        kind: draft.kind,
        text: draft.text,
        user: draft.user,
        ts: ms,
        sender: draft.sender,
        ...(draft.system ? { system: true as const } : {}),
      };
      const prev = room.entries.at(-1)?.id ?? null;
      room.entries.push(entry);
      if (room.entries.length > this.opts.historySize) room.entries.splice(0, room.entries.length - this.opts.historySize);
      if (entry.kind === "notice") room.notice = toStored(entry);
      room.dedup.set(draft.dedupKey, { id: entry.id, fingerprint, expiresAt: now + this.opts.dedupTtlSec * 1000 });
      if (slowMs > 0 && !draft.exempt) pace.set(userId, now);
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

  async ban(roomId: string, userId: string, durationSec?: number): Promise<number | null> {
    const now = this.now();
    this.room(roomId, now).lasting.bans.set(userId, durationSec === undefined ? Infinity : now + durationSec * 1000);
    return durationSec === undefined ? null : now + durationSec * 1000;
  }

  async unban(roomId: string, userId: string): Promise<boolean> {
    const bans = this.rooms.get(roomId)?.lasting.bans;
    const until = bans?.get(userId);
    bans?.delete(userId);
    return until !== undefined && until > this.now();
  }

  async access(roomId: string, userId?: string): Promise<RoomAccess> {
    const lasting = this.rooms.get(roomId)?.lasting;
    const until = userId === undefined ? undefined : lasting?.bans.get(userId);
    const ban = until !== undefined && until > this.now() ? { until: until === Infinity ? null : until } : null;
    return { settings: { ...(lasting?.settings ?? DEFAULT_ROOM_SETTINGS) }, ban };
  }

  async open(roomId: string, durationSec = this.opts.historyTtlSec): Promise<number> {
    const now = this.now();
    const room = this.room(roomId, now);
    room.lasting.openUntil = now + durationSec * 1000;
    return room.lasting.openUntil;
  }

  async configure(roomId: string, settings: RoomSettings): Promise<RoomSettings> {
    this.room(roomId, this.now()).lasting.settings = { ...settings };
    return { ...settings };
  }

  async history(roomId: string, since?: string): Promise<HistoryResult> {
    const entries = (this.live(roomId)?.entries ?? []).map(toStored);
    if (since !== undefined) {
      const at = entries.findIndex((m) => m.id === since);
      if (at >= 0) return historyWindow(entries.slice(at + 1), true);
    }
    return historyWindow(entries, false);
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
      const old = this.rooms.get(roomId);
      const ids = old?.ids ?? new MonotonicIds();
      room = { entries: [], ids, dedup: new Map(), notice: null, mutes: new Map(), expiresAt: now, lasting: old?.lasting ?? freshLasting() };
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
      const { bans, pace, settings } = room.lasting;
      for (const [userId, until] of bans) if (until <= now) bans.delete(userId);
      for (const [userId, at] of pace) if (at + PACE_TTL_MS <= now) pace.delete(userId);
      const lasts = bans.size > 0 || pace.size > 0 || settings.slowModeSec !== DEFAULT_ROOM_SETTINGS.slowModeSec || room.lasting.openUntil > now;
      if (room.expiresAt <= now && !lasts) {
        this.rooms.delete(id);
        continue;
      }
      for (const [key, seen] of room.dedup) if (seen.expiresAt <= now) room.dedup.delete(key);
      for (const [userId, until] of room.mutes) if (until <= now) room.mutes.delete(userId);
    }
  }
}

function toStored(e: StoredEntry): StoredMessage {
  const m: StoredMessage = { id: e.id, room: e.room, kind: e.kind, text: e.text, user: e.user, ts: e.ts };
  if (e.system) m.system = true;
  return m;
}
