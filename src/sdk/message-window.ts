/**
 * The newest `size` messages of a room, ordered by id whatever order they arrived in: what a UI
 * renders on open and what is kept for the next page load.
 */
import type { ChatMessage } from "../protocol/index.js";

/**
 * Index at which `id` goes among `count` items ascending by id (`idAt(i)`), so the order stays by
 * id. Searches from the end because live messages almost always arrive last.
 */
export function insertionIndex(count: number, idAt: (i: number) => string, id: string): number {
  let i = count;
  while (i > 0 && idAt(i - 1) > id) i--;
  return i;
}

/** Ascending by id (ids of one room compare as plain strings). */
export function compareIds(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class MessageWindow {
  private list: ChatMessage[] = [];

  constructor(private size: number) {}

  /** Oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.list;
  }

  has(id: string): boolean {
    return this.list.some((m) => m.id === id);
  }

  /** Adds messages not in the window yet, each at its place by id; the oldest beyond `size` go. */
  add(messages: readonly ChatMessage[]): void {
    for (const msg of messages) {
      const at = insertionIndex(this.list.length, (i) => this.list[i]!.id, msg.id);
      if (this.list[at - 1]?.id === msg.id) continue;
      this.list.splice(at, 0, msg);
    }
    if (this.list.length > this.size) this.list.splice(0, this.list.length - this.size);
  }

  /**
   * Adds older messages (a page of history) below the window, growing it by as many as are new, so
   * paging back keeps what the reader scrolled to; live messages still drop the oldest beyond the
   * grown size. Returns the ones that were not in the window, ascending by id.
   */
  addOlder(messages: readonly ChatMessage[]): ChatMessage[] {
    const fresh = messages.filter((m) => !this.has(m.id));
    this.size += fresh.length;
    this.add(fresh);
    return [...fresh].sort(compareIds);
  }

  remove(id: string): boolean {
    const before = this.list.length;
    this.list = this.list.filter((m) => m.id !== id);
    return this.list.length !== before;
  }

  /** Keeps only the messages `keep` accepts. */
  retain(keep: (msg: ChatMessage) => boolean): void {
    this.list = this.list.filter(keep);
  }
}
