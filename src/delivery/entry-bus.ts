import type { PublishedEntry } from "../store/message-store.js";

export type EntriesListener = (room: string, entries: PublishedEntry[]) => void;

/**
 * Hands a room's published entries from where they arrive (the Redis subscription, through the
 * adapter; or the in-memory store in embedded mode) to whoever delivers them (the server's
 * LocalDelivery). Created by the composition root, so the two ends need not know each other.
 */
export class EntryBus {
  private readonly listeners = new Set<EntriesListener>();

  listen(listener: EntriesListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(room: string, entries: PublishedEntry[]): void {
    for (const listener of this.listeners) listener(room, entries);
  }
}
