/**
 * Hands what a room's channel carries from where it arrives (the Redis subscription, through the
 * adapter; or an in-memory store) to whoever acts on it. Created by the composition root, so the
 * two ends need not know each other. One per kind of item: entries (EntryBus), moderation notices
 * (NoticeBus).
 */
export type RoomListener<T> = (room: string, items: T[]) => void;

export class RoomBus<T> {
  private readonly listeners = new Set<RoomListener<T>>();

  listen(listener: RoomListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(room: string, items: T[]): void {
    for (const listener of this.listeners) listener(room, items);
  }
}
