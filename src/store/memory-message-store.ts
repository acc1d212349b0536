import { UNIQUE_CHAT_WINDOW_MS, type HeldMessage, type RoomSettings } from "../protocol/index.js";
import { historyWindow } from "./history-window.js";
import { holdsDraft, refusalOf } from "./memory-draft-checks.js";
import {
  type AppendOutcome,
  type HistoryResult,
  type MessageDraft,
  type MessageStore,
  type MemoryLimits,
  type MessageStoreOptions,
  type PublishedEntry,
  type ReleaseResult,
  type RoomAccess,
  type SettingsChange,
  type StoredMessage,
  DEFAULT_ROOM_SETTINGS,
  defaultMemoryLimits,
  defaultMessageStoreOptions,
} from "./message-store.js";
import { KeptRooms, type EntryArchive } from "./memory-archive.js";
import { decodeMessageId, MonotonicIds } from "./message-id.js";
import { freshLasting, heldOutcome, holdDraft, releaseHeld, storeDraft, sweepRooms, toStored, type RoomState } from "./memory-room.js";
import type { ModerationNotice } from "./moderation-notice.js";
import { RoomUndo } from "./memory-undo.js";
import { applySettingsChange } from "./room-settings.js";

export interface MemoryMessageStoreDeps {
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** Receives each append's new entries, in order, before `append` resolves. @default none */
  publish?: (room: string, entries: PublishedEntry[]) => void;
  /** Receives each announcement's moderation notices. @default none */
  announce?: (room: string, notices: ModerationNotice[]) => void;
  /** Whether a user is an appointed moderator (the moderation store's list), for a join's read. @default none are */
  isModerator?: (room: string, userId: string) => boolean;
  /**
   * The durable archive (embedded mode: the SQLite file in DATA_DIR). With it, every stored entry
   * is inserted before it is published or acknowledged (a failed insert fails the append with
   * StoreUnavailableError and leaves no trace), a moderator's deletion flags the archived entry,
   * and a room not live in memory (after a restart, or once its TTL passed) gets its hot window
   * back from the archive when first touched. @default none (memory only)
   */
  archive?: EntryArchive;
}

/**
 * The embedded default: one process, the hot window in memory, durable once in the archive file
 * when there is one (there is no second node). Ids are time-based like Redis Stream ids and seeded
 * past the newest archived one, so ids made after a restart still sort after the ones clients kept
 * from before it.
 */
export class MemoryMessageStore implements MessageStore {
  /** In order of last activity (a room is moved to the end when written to): the first is idle longest. */
  private readonly rooms = new Map<string, RoomState>();
  private readonly opts: MessageStoreOptions & MemoryLimits;
  private readonly now: () => number;
  private readonly publish: MemoryMessageStoreDeps["publish"];
  private readonly notify: MemoryMessageStoreDeps["announce"];
  private readonly appointed: NonNullable<MemoryMessageStoreDeps["isModerator"]>;
  private readonly sweeper: NodeJS.Timeout;
  private readonly kept: KeptRooms | undefined;

  constructor(options: Partial<MessageStoreOptions & MemoryLimits> = {}, deps: MemoryMessageStoreDeps = {}) {
    this.opts = { ...defaultMessageStoreOptions, ...defaultMemoryLimits, ...options };
    this.now = deps.now ?? Date.now;
    this.publish = deps.publish;
    this.notify = deps.announce;
    this.appointed = deps.isModerator ?? (() => false);
    this.kept = deps.archive ? new KeptRooms(deps.archive, this.opts.historySize, this.now) : undefined;
    // Abandoned rooms and old dedup keys go away like Redis keys with a TTL would.
    this.sweeper = setInterval(() => sweepRooms(this.rooms, this.now()), 60_000);
    this.sweeper.unref();
  }

  async append(roomId: string, drafts: MessageDraft[]): Promise<AppendOutcome[]> {
    await this.load(roomId);
    const now = this.now();
    const room = this.room(roomId, now);
    const undo = this.kept ? new RoomUndo(room) : undefined;
    const published: PublishedEntry[] = [];
    const { bans, pace, settings } = room.lasting;
    const state = { closed: this.opts.requireOpenRooms && room.lasting.openUntil < now, settings, bans, mutes: room.mutes, pace, unique: room.unique };
    const outcomes = drafts.map((draft): AppendOutcome => {
      const fingerprint = draft.fingerprint ?? "";
      const seen = room.dedup.get(draft.dedupKey);
      if (seen && seen.expiresAt > now) {
        if (seen.fingerprint !== fingerprint) return { refused: "conflict" };
        if (seen.id === "denied") return { refused: "denied" };
        const held = seen.id.startsWith("held:") ? room.held.get(seen.id.slice(5))?.held : undefined;
        if (held) return heldOutcome(held, true, now);
        return { id: seen.id, duplicate: true };
      }
      const refused = refusalOf(draft, state, now);
      if (refused) return refused;
      const relaxed = draft.exempt || draft.modExempt;
      if (holdsDraft(draft, settings) && room.held.size >= this.opts.heldPerRoom) return { refused: "queue_full" };
      if (settings.slowModeSec > 0 && !relaxed) {
        undo?.paceOf(draft.user.id);
        pace.set(draft.user.id, now);
      }
      if (settings.uniqueChat && draft.uniqueKey !== undefined && !relaxed) {
        undo?.uniqueKey(draft.uniqueKey);
        room.unique.set(draft.uniqueKey, now + UNIQUE_CHAT_WINDOW_MS);
      }
      if (holdsDraft(draft, settings)) return holdDraft(roomId, room, draft, now, this.opts);
      undo?.dedupKey(draft.dedupKey);
      const entry = storeDraft(roomId, room, draft, now, this.opts);
      published.push(entry);
      return { id: entry.id, duplicate: false };
    });
    if (published.length > 0) {
      // Embedded, an ok ack means "in the archive file": inserted before anyone sees it.
      if (undo) await this.kept?.keep(published, undo);
      this.publish?.(roomId, published);
    }
    return outcomes;
  }

  async mute(roomId: string, userId: string, durationSec: number): Promise<number> {
    await this.load(roomId);
    const now = this.now();
    const until = now + durationSec * 1000;
    const room = this.room(roomId, now);
    room.mutes.set(userId, until);
    // A room with no messages yet must live at least as long as its mutes.
    room.expiresAt = Math.max(room.expiresAt, until);
    return until;
  }

  async ban(roomId: string, userId: string, durationSec?: number): Promise<number | null> {
    await this.load(roomId);
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
    return { settings: { ...(lasting?.settings ?? DEFAULT_ROOM_SETTINGS) }, ban, appointed: userId !== undefined && this.appointed(roomId, userId) };
  }

  async open(roomId: string, durationSec = this.opts.historyTtlSec): Promise<number> {
    await this.load(roomId);
    const now = this.now();
    const room = this.room(roomId, now);
    room.lasting.openUntil = now + durationSec * 1000;
    return room.lasting.openUntil;
  }

  async configure(roomId: string, change: SettingsChange): Promise<RoomSettings> {
    await this.load(roomId);
    const lasting = this.room(roomId, this.now()).lasting;
    lasting.settings = applySettingsChange(lasting.settings, change);
    return { ...lasting.settings };
  }

  async message(roomId: string, id: string): Promise<StoredMessage | null> {
    await this.load(roomId);
    const entry = this.live(roomId)?.entries.find((e) => e.id === id);
    return entry && entry.kind !== "clear" ? toStored(entry) : null;
  }

  async releaseDue(roomId: string): Promise<ReleaseResult> {
    await this.load(roomId);
    const now = this.now();
    const room = this.live(roomId);
    const due = [...(room?.held.values() ?? [])].filter((h) => h.held.releaseAt !== null && h.held.releaseAt <= now);
    due.sort((a, b) => a.held.releaseAt! - b.held.releaseAt!);
    return this.release(roomId, due.map((h) => h.held.id), now);
  }

  private async release(roomId: string, ids: string[], now: number): Promise<ReleaseResult> {
    const room = this.live(roomId);
    const undo = room && this.kept ? new RoomUndo(room) : undefined;
    for (const id of ids) undo?.heldMessage(id);
    const { published, ...result } = releaseHeld(roomId, room, ids, now, this.opts);
    if (published.length > 0) {
      if (undo) await this.kept?.keep(published, undo);
      this.publish?.(roomId, published);
    }
    return result;
  }

  async releaseHeld(roomId: string, heldId: string): Promise<ReleaseResult> {
    await this.load(roomId);
    return this.release(roomId, [heldId], this.now());
  }

  async denyHeld(roomId: string, heldId: string): Promise<HeldMessage | null> {
    const now = this.now();
    const room = this.live(roomId);
    const record = room?.held.get(heldId);
    if (!room || !record) return null;
    room.held.delete(heldId);
    room.dedup.set(record.draft.dedupKey, { id: "denied", fingerprint: record.draft.fingerprint ?? "", expiresAt: now + this.opts.dedupTtlSec * 1000 });
    return record.held;
  }

  async held(roomId: string): Promise<HeldMessage[]> {
    return [...(this.live(roomId)?.held.values() ?? [])].map((h) => h.held);
  }

  async announce(roomId: string, notices: ModerationNotice[]): Promise<void> {
    if (notices.length > 0) this.notify?.(roomId, notices);
  }

  async history(roomId: string, since?: string): Promise<HistoryResult> {
    await this.load(roomId);
    const entries = (this.live(roomId)?.entries ?? []).map(toStored);
    if (since !== undefined) {
      const at = entries.findIndex((m) => m.id === since);
      if (at >= 0) return historyWindow(entries.slice(at + 1), true);
    }
    return historyWindow(entries, false);
  }

  async entriesBefore(roomId: string, before: string | undefined, limit: number): Promise<StoredMessage[]> {
    if (before !== undefined && !decodeMessageId(before)) return [];
    await this.load(roomId);
    // Ids of one room compare as plain strings in storage order (message-id.ts).
    const older = (this.live(roomId)?.entries ?? []).filter((e) => before === undefined || e.id < before);
    return older.slice(Math.max(0, older.length - limit)).map(toStored);
  }

  async userEntries(userId: string): Promise<StoredMessage[]> {
    const found: StoredMessage[] = [];
    for (const roomId of this.rooms.keys()) for (const e of this.live(roomId)?.entries ?? []) if (e.user.id === userId) found.push(toStored(e));
    return found;
  }

  async notice(roomId: string): Promise<StoredMessage | null> {
    await this.load(roomId);
    return this.live(roomId)?.notice ?? null;
  }

  async remove(roomId: string, id: string, by = "api"): Promise<boolean> {
    await this.load(roomId);
    const inWindow = (this.live(roomId)?.entries.findIndex((m) => m.id === id) ?? -1) >= 0;
    // The archive first: a deletion it did not take must not look done. An entry older than the
    // hot window is only there (older pages and replay hide it from then on).
    const archived = (await this.kept?.forget(roomId, id, by, inWindow)) ?? false;
    // Found again after the await: removals running at the same time (an erasure's) shift the list.
    const room = this.live(roomId);
    const at = room?.entries.findIndex((m) => m.id === id) ?? -1;
    if (!room || at < 0) return archived;
    room.entries.splice(at, 1);
    if (room.notice?.id === id) room.notice = null;
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.rooms.clear();
  }

  /** With an archive, a room not live in memory (after a restart, or past its TTL) is loaded from it first. */
  private async load(roomId: string): Promise<void> {
    if (this.kept && !this.live(roomId)) await this.kept.load(roomId, () => this.live(roomId) !== undefined, (entries) => this.install(roomId, entries));
  }

  /** A room's hot window read back from the archive (non-empty), and its ids' floor past the newest. */
  private install(roomId: string, entries: StoredMessage[]): void {
    const now = this.now();
    const room = this.room(roomId, now);
    // Senders are socket ids of the process before: nobody here is the sender of these.
    room.entries = entries.map((m) => ({ ...m, sender: "" }));
    room.notice = [...entries].reverse().find((m) => m.kind === "notice") ?? null;
    room.ids.seedPast(decodeMessageId(entries.at(-1)!.id)!);
    room.expiresAt = Math.max(room.expiresAt, now + this.opts.historyTtlSec * 1000);
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
      room = {
        entries: [],
        ids,
        dedup: new Map(),
        notice: null,
        mutes: new Map(),
        unique: new Map(),
        held: new Map(),
        heldSeq: old?.heldSeq ?? 0,
        expiresAt: now,
        lasting: old?.lasting ?? freshLasting(),
      };
    }
    this.rooms.delete(roomId);
    this.rooms.set(roomId, room);
    // A dropped room's ids restart from the clock, which is past every id it gave out.
    while (this.rooms.size > this.opts.maxRooms) this.rooms.delete(this.rooms.keys().next().value!);
    return room;
  }
}
