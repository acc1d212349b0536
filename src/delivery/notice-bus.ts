import type { ModerationNotice } from "../store/moderation-notice.js";

export type NoticesListener = (room: string, notices: ModerationNotice[]) => void;

/**
 * Hands a room's moderation notices from where they arrive (the room's Redis channel, through the
 * adapter; or the in-memory store) to whoever acts on them (src/moderation/: the moderators'
 * sockets, held-message timers, waiting acks, term caches). The EntryBus's twin for what is not
 * history.
 */
export class NoticeBus {
  private readonly listeners = new Set<NoticesListener>();

  listen(listener: NoticesListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(room: string, notices: ModerationNotice[]): void {
    for (const listener of this.listeners) listener(room, notices);
  }
}
