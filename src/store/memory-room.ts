/**
 * The in-memory store's room: what it keeps per room, and the steps of an append and a release
 * (store one draft, hold one, release held ones), apart from the store class so each reads as one.
 */
import type { HeldMessage, RoomSettings } from "../protocol/index.js";
import { DEFAULT_ROOM_SETTINGS, PACE_TTL_MS, type AppendOutcome, type MessageDraft, type MessageStoreOptions, type PublishedEntry, type ReleaseResult, type ReleasedItem, type StoredMessage } from "./message-store.js";
import { encodeMessageId, type MonotonicIds } from "./message-id.js";
import { hasSettings } from "./room-settings.js";

export interface StoredEntry extends StoredMessage {
  sender: string;
}

/** A dedup key's record: the stored id, or (issue #21) `held:<id>` while held and `denied` after a denial. */
export interface DedupMark {
  id: string;
  fingerprint: string;
  expiresAt: number;
}

export interface RoomState {
  entries: StoredEntry[];
  ids: MonotonicIds;
  dedup: Map<string, DedupMark>;
  notice: StoredMessage | null;
  mutes: Map<string, number>;
  /** Unique-chat key -> when it expires. */
  unique: Map<string, number>;
  /** Held messages by held id, in the order they were held. */
  held: Map<string, { held: HeldMessage; draft: MessageDraft }>;
  heldSeq: number;
  expiresAt: number;
  /** What outlives the history's TTL (as the Redis keys without a TTL do): bans, settings, pace. */
  lasting: LastingState;
}

export interface LastingState {
  /** User id -> when the ban ends (Infinity: until lifted). */
  bans: Map<string, number>;
  settings: RoomSettings;
  /** User id -> when their last slow-mode-counted message was stored. */
  pace: Map<string, number>;
  /** Until when viewers' messages are accepted with `requireOpenRooms` (ms). */
  openUntil: number;
}

export const freshLasting = (): LastingState => ({ bans: new Map(), settings: { ...DEFAULT_ROOM_SETTINGS }, pace: new Map(), openUntil: 0 });

/** Appends one draft to history (no checks: the caller made them); returns it as published. */
export function storeDraft(roomId: string, room: RoomState, draft: MessageDraft, now: number, opts: MessageStoreOptions): PublishedEntry {
  const { ms, seq } = room.ids.next(now);
  const entry: StoredEntry = { id: encodeMessageId(ms, seq), room: roomId, kind: draft.kind, text: draft.text, user: draft.user, ts: ms, sender: draft.sender };
  if (draft.system) entry.system = true;
  if (draft.replyTo) entry.replyTo = draft.replyTo;
  const prev = room.entries.at(-1)?.id ?? null;
  room.entries.push(entry);
  if (room.entries.length > opts.historySize) room.entries.splice(0, room.entries.length - opts.historySize);
  if (entry.kind === "notice") room.notice = toStored(entry);
  room.dedup.set(draft.dedupKey, { id: entry.id, fingerprint: draft.fingerprint ?? "", expiresAt: now + opts.dedupTtlSec * 1000 });
  room.expiresAt = now + opts.historyTtlSec * 1000;
  return { ...toStored(entry), prev, sender: entry.sender };
}

/** Holds one draft (delay or review); its dedup key names it while it waits. */
export function holdDraft(roomId: string, room: RoomState, draft: MessageDraft, now: number, opts: MessageStoreOptions): AppendOutcome {
  const id = `h${++room.heldSeq}`;
  const review = draft.review !== undefined;
  const held: HeldMessage = {
    id,
    room: roomId,
    kind: draft.kind === "question" ? "question" : "chat",
    text: draft.text,
    user: draft.user,
    ts: now,
    reason: review ? "review" : "delay",
    releaseAt: review ? null : now + (room.lasting.settings.delaySec ?? 0) * 1000,
  };
  if (draft.review) held.term = draft.review.term;
  if (draft.replyTo) held.replyTo = draft.replyTo;
  room.held.set(id, { held, draft });
  const keep = review ? opts.historyTtlSec : opts.dedupTtlSec;
  room.dedup.set(draft.dedupKey, { id: `held:${id}`, fingerprint: draft.fingerprint ?? "", expiresAt: now + keep * 1000 });
  room.expiresAt = Math.max(room.expiresAt, now + opts.historyTtlSec * 1000);
  return heldOutcome(held, false, now);
}

/** A held message's outcome for its sender (or a retry of it). */
export function heldOutcome(held: HeldMessage, duplicate: boolean, now: number): AppendOutcome {
  const receipt = { id: held.id, reason: held.reason, releaseAt: held.releaseAt };
  return held.releaseAt === null ? { held: receipt, duplicate } : { held: receipt, duplicate, releaseInMs: Math.max(0, held.releaseAt - now) };
}

/**
 * Stores the held messages `ids` of `room` (those still held) in that order, dropping those whose
 * author is banned or muted now; returns what happened and the entries to publish.
 */
export function releaseHeld(roomId: string, room: RoomState | undefined, ids: string[], now: number, opts: MessageStoreOptions): ReleaseResult & { published: PublishedEntry[] } {
  const items: ReleasedItem[] = [];
  const published: PublishedEntry[] = [];
  for (const id of ids) {
    const record = room?.held.get(id);
    if (!room || !record) continue;
    room.held.delete(id);
    const { draft, held } = record;
    const userId = draft.user.id;
    const dropped = (room.lasting.bans.get(userId) ?? 0) > now ? "banned" : (room.mutes.get(userId) ?? 0) > now ? "muted" : undefined;
    if (dropped) {
      room.dedup.delete(draft.dedupKey);
      items.push({ held, sender: draft.sender, outcome: "dropped", dropped });
      continue;
    }
    const entry = storeDraft(roomId, room, draft, now, opts);
    published.push(entry);
    items.push({ held, sender: draft.sender, outcome: "stored", id: entry.id });
  }
  const next = [...(room?.held.values() ?? [])].reduce<number | null>((min, h) => (h.held.releaseAt === null ? min : Math.min(min ?? Infinity, h.held.releaseAt)), null);
  return { items, nextDueInMs: next === null ? null : Math.max(0, next - now), published };
}

/** A message's own fields alone: a live entry's sender, or an archived one's extra and deletion flag, left behind. */
export function toStored(e: StoredMessage): StoredMessage {
  const m: StoredMessage = { id: e.id, room: e.room, kind: e.kind, text: e.text, user: e.user, ts: e.ts };
  if (e.system) m.system = true;
  if (e.replyTo) m.replyTo = e.replyTo;
  return m;
}

/** Drops expired marks, and rooms with nothing left that lasts, as Redis keys with a TTL would go. */
export function sweepRooms(rooms: Map<string, RoomState>, now: number): void {
  for (const [id, room] of rooms) {
    const { bans, pace, settings } = room.lasting;
    for (const [userId, until] of bans) if (until <= now) bans.delete(userId);
    for (const [userId, at] of pace) if (at + PACE_TTL_MS <= now) pace.delete(userId);
    const lasts = bans.size > 0 || pace.size > 0 || hasSettings(settings) || room.lasting.openUntil > now;
    if (room.expiresAt <= now && !lasts) {
      rooms.delete(id);
      continue;
    }
    for (const [key, seen] of room.dedup) if (seen.expiresAt <= now) room.dedup.delete(key);
    for (const [userId, until] of room.mutes) if (until <= now) room.mutes.delete(userId);
    for (const [key, until] of room.unique) if (until <= now) room.unique.delete(key);
  }
}
