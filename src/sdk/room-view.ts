/**
 * What a room shows: the ordered snapshot of its newest messages (own sent ones included), its
 * current notice and its viewer count. The subscription feeds it and tells the UI what changed.
 */
import type { BatchEntry, ChatMessage, Notice, Role, RoomSettings } from "../protocol/index.js";
import { compareIds, MessageWindow } from "./message-window.js";

/** A wire message minus `prev`, which only the SDK needs. */
export function withoutPrev<T extends { prev?: string | null }>(entry: T): Omit<T, "prev"> {
  const { prev: _, ...rest } = entry;
  return rest;
}

/** A batch entry of a kind the SDK shows, as the v1 event would carry it. */
export function fromBatchEntry(room: string, entry: BatchEntry): { message: ChatMessage } | { notice: Notice } | undefined {
  const { id, kind, text, user, ts } = entry;
  const system = entry.system ? { system: true as const } : {};
  const reply = entry.replyTo ? { replyTo: entry.replyTo } : {};
  if (kind === "chat" || kind === "question") return { message: { id, room, kind, text, user, ts, ...system, ...reply } };
  if (kind === "notice") return { notice: { id, room, text, user, ts, ...system } };
  return undefined;
}

export class RoomView {
  notice: Notice | null = null;
  viewers: number | undefined;
  /** The room's settings, once a join answered. */
  settings: RoomSettings | undefined;
  /** Our role in the room, once a join answered. */
  role: Role | undefined;
  private readonly window: MessageWindow;

  constructor(size: number, stored: ChatMessage[]) {
    this.window = new MessageWindow(size);
    this.window.add(stored);
  }

  /** Ascending by id. */
  get messages(): readonly ChatMessage[] {
    return this.window.messages;
  }

  /** Adds messages (already de-duplicated); returns them ascending by id, without `prev`. */
  add(messages: readonly ChatMessage[]): ChatMessage[] {
    const sorted = messages.map(withoutPrev).sort(compareIds);
    this.window.add(sorted);
    return sorted;
  }

  /** Adds a page of older messages (room:history); returns those not shown before, ascending by id, without `prev`. */
  addOlder(messages: readonly ChatMessage[]): ChatMessage[] {
    return this.window.addOlder(messages.map(withoutPrev));
  }

  /** Starts over from `messages`, keeping only the ids in `kept`; returns the whole snapshot. */
  restart(kept: ReadonlySet<string>, messages: readonly ChatMessage[]): ChatMessage[] {
    this.window.retain((m) => kept.has(m.id));
    this.add(messages);
    return [...this.window.messages];
  }

  /** Drops every message below a clear marker's id; returns what is left (own later sends, if any). */
  clearBefore(id: string): ChatMessage[] {
    this.window.retain((m) => m.id > id);
    return [...this.window.messages];
  }

  /** Takes new settings; true when they changed. */
  setSettings(settings: RoomSettings): boolean {
    if (this.settings && sameSettings(this.settings, settings)) return false;
    this.settings = { ...settings };
    return true;
  }

  /** Removes a deleted message (or notice); true when it was the current notice. */
  remove(id: string): boolean {
    this.window.remove(id);
    if (this.notice?.id !== id) return false;
    this.notice = null;
    return true;
  }

  /**
   * Takes a notice: a live one only when newer than the current one (one arriving late does not
   * replace it), a join's answer (`authoritative`) whatever it is, none included. True when changed.
   */
  setNotice(notice: Notice | null, authoritative: boolean): boolean {
    if ((notice?.id ?? null) === (this.notice?.id ?? null)) return false;
    if (!authoritative && this.notice !== null && (notice === null || notice.id < this.notice.id)) return false;
    this.notice = notice && withoutPrev(notice);
    return true;
  }
}

function sameSettings(a: RoomSettings, b: RoomSettings): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof RoomSettings>;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
