/**
 * Moderation notices go out through here: what one replica says about a room within a tick leaves
 * as one announcement (one SPUBLISH on the room's channel), in the order it was said. A busy room
 * in delay mode holds a message per send; its moderators get them a tick's worth at a time.
 * A failed announcement is logged and dropped: moderators see the queue again when they reload it.
 */
import type { Logger } from "pino";
import type { MessageStore } from "../store/message-store.js";
import type { ModerationNotice } from "../store/moderation-notice.js";

export class Announcer {
  private readonly queued = new Map<string, ModerationNotice[]>();
  private scheduled = false;

  constructor(private readonly deps: { store: Pick<MessageStore, "announce">; logger: Pick<Logger, "warn">; onError?: () => void }) {}

  /** Queues `notices` for `room`; they leave with the rest of this tick's. */
  say(room: string, notices: ModerationNotice[]): void {
    if (notices.length === 0) return;
    const list = this.queued.get(room);
    if (list) list.push(...notices);
    else this.queued.set(room, [...notices]);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = [...this.queued];
    this.queued.clear();
    for (const [room, notices] of batch) {
      this.deps.store.announce(room, notices).catch((err: unknown) => {
        this.deps.onError?.();
        this.deps.logger.warn({ err, room, notices: notices.map((n) => n.type) }, "announcing moderation notices failed");
      });
    }
  }
}
