/**
 * What the server says about one room (live events, batches, join answers, acks of own sends),
 * turned into the room's view and its events: each entry recorded once by the timeline (which
 * de-duplicates and watches for gaps), each change told to the UI once, in id order.
 */
import type { BatchEntry, ChatCleared, ChatMessage, JoinResult, Notice, Role, RoomSettings, User } from "../protocol/index.js";
import type { RoomEvents } from "./events.js";
import type { Outgoing } from "./outbox.js";
import type { RoomTimeline } from "./room-timeline.js";
import { fromBatchEntry, type RoomView } from "./room-view.js";

export interface RoomFeedDeps {
  room: string;
  timeline: RoomTimeline;
  view: RoomView;
  /** Who we are, for own messages in the snapshot. */
  self: User;
  emit<E extends keyof RoomEvents>(event: E, payload: RoomEvents[E]): void;
  /** Whether the room takes events now (joining or joined). */
  listening(): boolean;
  /** The snapshot changed: write it to storage soon. */
  changed(): void;
}

export class RoomFeed {
  constructor(private readonly deps: RoomFeedDeps) {}

  /** A live `chat:message` (protocol v1). */
  message(msg: ChatMessage): void {
    if (this.deps.listening() && this.deps.timeline.receive(msg.id, msg.prev)) this.showMessages([msg]);
  }

  /** A live `notice` (protocol v1). */
  notice(notice: Notice): void {
    if (this.deps.listening() && this.deps.timeline.receive(notice.id, notice.prev)) this.showNotice(notice);
  }

  /** A `chat:batch` (protocol v1.1): entries in history order, each with `prev`. */
  batch(entries: BatchEntry[]): void {
    if (!this.deps.listening()) return;
    let messages: ChatMessage[] = [];
    for (const entry of entries) {
      if (!this.deps.timeline.receive(entry.id, entry.prev)) continue;
      const known = fromBatchEntry(this.deps.room, entry);
      if (known && "message" in known) {
        messages.push(known.message);
        continue;
      }
      // Keep the room's order of events: what came before this entry is shown first.
      this.showMessages(messages);
      messages = [];
      if (known) this.showNotice(known.notice);
      else if (entry.kind === "clear") this.showCleared(entry.id, entry.user, entry.system === true);
      else this.deps.emit("entry", { entry });
    }
    this.showMessages(messages);
  }

  /** A live `chat:cleared` (protocol v1 clients; batch clients get a `clear` entry). */
  cleared(c: ChatCleared): void {
    if (this.deps.listening() && this.deps.timeline.receive(c.id, c.prev)) this.showCleared(c.id, c.user, c.system === true);
  }

  /** Our own clear, acked: the server leaves the sender out of its delivery. */
  clearedByUs(id: string): void {
    if (this.deps.timeline.accept(id)) this.showCleared(id, this.deps.self, false);
  }

  /** Our role in the room (a join's answer, `room:role`). */
  role(role: Role): void {
    if (this.deps.view.role === role) return;
    this.deps.view.role = role;
    this.deps.emit("role", { role });
  }

  /** A `room:settings` (or a join's answer). */
  settings(settings: RoomSettings): void {
    if (this.deps.view.setSettings(settings)) this.deps.emit("settings", { settings: { ...settings } });
  }

  viewers(count: number): void {
    if (!this.deps.listening()) return;
    this.deps.view.viewers = count;
    this.deps.emit("viewers", { count });
  }

  /** A message was deleted (by the streamer, us included). */
  deleted(id: string): void {
    this.deps.timeline.remove(id);
    if (this.deps.view.remove(id)) this.deps.emit("notice", { notice: null });
    this.deps.emit("deleted", { id });
    this.deps.changed();
  }

  /**
   * A join's answer: the first, a re-join after a reconnect, or a refill. Not recovered after we
   * showed messages, the room starts over, and says so.
   */
  joinAnswer(res: JoinResult, refill: boolean): void {
    const { timeline, view, emit } = this.deps;
    const outcome = timeline.endJoin(res.recovered, res.messages.map((m) => m.id), res.notice?.id);
    const kept = new Set(outcome.kept);
    // Live messages that arrived while this join ran are still good; anything else shown is stale.
    const startOver = outcome.restarted && view.messages.some((m) => !kept.has(m.id));
    if (startOver) emit("messages", { messages: view.restart(kept, res.messages), reset: true });
    else {
      const fresh = new Set(outcome.fresh);
      this.showMessages(res.messages.filter((m) => fresh.has(m.id)));
    }
    if (view.setNotice(res.notice, true)) emit("notice", { notice: view.notice });
    if (res.settings) this.settings(res.settings);
    if (res.role) this.role(res.role);
    view.viewers = res.viewers;
    emit("viewers", { count: res.viewers });
    emit("joined", { recovered: res.recovered, startOver, refill, viewers: res.viewers });
    this.deps.changed();
  }

  /**
   * An own message changed state. Sent, it enters the snapshot with its id, unless a re-join
   * brought it first (after a lost ack): then it is already shown, once.
   */
  own(msg: Outgoing): void {
    let alreadyReceived = false;
    if (msg.state === "sent" && msg.id !== undefined) {
      alreadyReceived = !this.deps.timeline.accept(msg.id);
      const { id, room, text, ts } = msg;
      const user = this.deps.view.role ? { ...this.deps.self, role: this.deps.view.role } : this.deps.self;
      if (msg.kind === "notice") this.showNotice({ id, room, text, user, ts });
      else if (!alreadyReceived) {
        this.deps.view.add([{ id, room, kind: msg.kind, text, user, ts }]);
        this.deps.changed();
      }
    }
    this.deps.emit("outgoing", { message: msg, alreadyReceived });
    if (msg.state === "sent" || msg.state === "failed") this.deps.timeline.ownSettled();
  }

  private showMessages(messages: readonly ChatMessage[]): void {
    if (messages.length === 0) return;
    this.deps.emit("messages", { messages: this.deps.view.add(messages), reset: false });
    this.deps.changed();
  }

  private showCleared(id: string, by: User, system: boolean): void {
    this.deps.emit("cleared", { id, by, system });
    this.deps.emit("messages", { messages: this.deps.view.clearBefore(id), reset: true });
    this.deps.changed();
  }

  private showNotice(notice: Notice): void {
    if (this.deps.view.setNotice(notice, false)) this.deps.emit("notice", { notice: this.deps.view.notice });
  }
}
