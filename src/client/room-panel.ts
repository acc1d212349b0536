/**
 * One room on a page: pinned notice, viewer count, message list and composer, wired to the shared
 * {@link ChatSession}. It is the room's {@link RoomEvents} handler: it de-duplicates by id, keeps
 * the newest id and the last messages in storage for the next join, and sends through an
 * {@link Outbox}.
 */
import type { ChatMessage, ErrorBody, JoinResult, Notice, Role } from "../protocol/index.js";
import type { ChatSession, RoomEvents } from "./chat-session.js";
import { composer } from "./composer.js";
import { clock, h } from "./dom.js";
import { MessageList } from "./message-list.js";
import { MessageLog } from "./message-log.js";
import { moderationButtons, type ModerationDeps } from "./moderation.js";
import { Outbox, type Outgoing, type OutgoingKind } from "./outbox.js";
import type { PageStorage } from "./storage.js";

export interface RoomPanelOptions {
  /** What the composer can send. @default ["chat", "question"] */
  kinds: OutgoingKind[];
  /** Characters per message (the server's default limit). @default 500 */
  maxLength: number;
  /** Delay before the room's snapshot is written to storage, so a burst costs one write. @default 300 */
  saveDelayMs: number;
  /** Seconds the studio's Mute button mutes someone for; 0 shows no moderation buttons. @default 0 */
  muteSec: number;
}

const defaults: RoomPanelOptions = { kinds: ["chat", "question"], maxLength: 500, saveDelayMs: 300, muteSec: 0 };

export interface RoomPanelDeps {
  room: string;
  session: ChatSession;
  storage: PageStorage;
  /** Who we are, for our own messages in the snapshot. */
  me: { name: string; role: Role };
  /** Told when a message arrives, e.g. to count unread ones on a hidden tab. */
  activity?(room: string): void;
}

export class RoomPanel implements RoomEvents {
  readonly element: HTMLElement;
  private readonly opts: RoomPanelOptions;
  private readonly log: MessageLog;
  private readonly list: MessageList;
  private readonly outbox: Outbox;
  private readonly noticeBar: HTMLElement;
  private readonly viewerCount: HTMLElement;
  private readonly status: HTMLElement;
  /** Confirmed messages, newest last: the snapshot for the next page load. */
  private recent: ChatMessage[];
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private stopWatching: (() => void) | undefined;

  constructor(
    private readonly deps: RoomPanelDeps,
    options: Partial<RoomPanelOptions> = {},
  ) {
    this.opts = { ...defaults, ...options } satisfies RoomPanelOptions;
    const { room, session } = deps;
    const snapshot = deps.storage.room(room);
    this.log = new MessageLog({}, snapshot.lastId);
    this.recent = snapshot.messages.filter((m) => this.log.add(m.id));
    const moderation: ModerationDeps = {
      session,
      room,
      muteSec: this.opts.muteSec,
      removed: (id) => this.deleted(id),
      report: (text) => (this.status.textContent = text),
    };
    this.list = new MessageList({
      retry: (msg) => this.outbox.retry(msg),
      actions: this.opts.muteSec > 0 ? (msg) => moderationButtons(moderation, msg) : undefined,
    });
    this.outbox = new Outbox({
      room,
      send: (msg) =>
        msg.kind === "notice"
          ? session.sendNotice({ room, text: msg.text, clientId: msg.clientId })
          : session.sendChat({ room, text: msg.text, kind: msg.kind, clientId: msg.clientId }),
      ready: () => session.isJoined(room),
      changed: (msg) => this.ownChanged(msg),
      newClientId: () => crypto.randomUUID(),
      now: () => Date.now(),
    });

    this.noticeBar = h("div", { className: "notice", attrs: { hidden: "", role: "status" } });
    this.viewerCount = h("span", { className: "viewers", text: "– watching" });
    this.status = h("span", { className: "room-status", attrs: { role: "status" } });
    this.element = h(
      "section",
      { className: "room", dataset: { room } },
      this.noticeBar,
      h("div", { className: "room-bar" }, h("span", { className: "room-name", text: `#${room}` }), this.viewerCount, this.status),
      this.list.element,
      composer({ room, kinds: this.opts.kinds, maxLength: this.opts.maxLength }, (kind, text) => this.outbox.submit(kind, text)),
    );
    this.list.add(this.recent);
  }

  get room(): string {
    return this.deps.room;
  }

  /** Starts receiving: joins now or on the next connect, with `since` when we have seen the room. */
  open(): void {
    this.setJoined(false, "joining…");
    this.stopWatching = this.deps.session.onState((state) => {
      if (state !== "connected") this.setJoined(false, "waiting for the connection…");
      else if (!this.deps.session.isJoined(this.room)) this.setJoined(false, "joining…");
    });
    this.deps.session.join(this.room, this);
  }

  close(forget: boolean): void {
    this.stopWatching?.();
    this.deps.session.leave(this.room);
    this.saveNow();
    if (forget) this.deps.storage.forgetRoom(this.room);
    this.element.remove();
  }

  shown(): void {
    this.list.shown();
  }

  // --- RoomEvents -------------------------------------------------------------------------------

  since(): string | undefined {
    return this.log.lastId;
  }

  joined(result: JoinResult): void {
    this.setJoined(true, "");
    if (!result.recovered) {
      // `since` was unknown or too old: the server sent the room's latest history instead, which
      // may not connect to what we show. Start over from it rather than leave a silent gap.
      this.log.reset();
      this.recent = [];
      this.list.clear();
    }
    this.receive(result.messages);
    // Notices are entries of the same history: the next live `prev` may well be this one.
    if (result.notice) this.log.add(result.notice.id);
    this.showNotice(result.notice);
    this.viewers(result.viewers);
    this.outbox.flush();
  }

  joinFailed(error: ErrorBody): void {
    this.setJoined(false, `could not join: ${error.message}`);
  }

  message(msg: ChatMessage): void {
    this.checkGap(msg.prev);
    this.receive([msg]);
  }

  notice(notice: Notice): void {
    this.checkGap(notice.prev);
    if (this.log.add(notice.id)) this.showNotice(notice);
  }

  viewers(count: number): void {
    this.viewerCount.textContent = `${count} watching`;
  }

  deleted(id: string): void {
    this.log.remove(id);
    this.recent = this.recent.filter((m) => m.id !== id);
    this.list.remove(id);
    this.saveTimer ??= setTimeout(() => this.saveNow(), this.opts.saveDelayMs);
  }

  // --- internals --------------------------------------------------------------------------------

  /**
   * A live event names the entry stored before it (`prev`, a server addition). When that is newer
   * than anything we have, something was lost on the way (a broker failover, a blip): ask for
   * everything after our newest id, before this event moves it past the gap.
   */
  private checkGap(prev: string | null | undefined): void {
    const last = this.log.lastId;
    if (last !== undefined && this.log.missed(prev)) this.deps.session.refill(this.room, last);
  }

  /** `data-joined` tells styles and tests whether the room is live right now. */
  private setJoined(joined: boolean, status: string): void {
    this.element.dataset.joined = String(joined);
    this.status.textContent = status;
  }

  private receive(messages: ChatMessage[]): void {
    const fresh = messages.filter((m) => this.log.add(m.id));
    if (fresh.length === 0) return;
    this.remember(fresh);
    this.list.add(fresh);
    this.deps.activity?.(this.room);
  }

  private ownChanged(msg: Outgoing): void {
    if (msg.state === "sent" && msg.id) {
      const fresh = this.log.add(msg.id);
      if (msg.kind === "notice") {
        this.showNotice({ id: msg.id, room: this.room, text: msg.text, user: this.self(), ts: msg.ts });
      } else if (fresh) {
        this.remember([{ id: msg.id, room: this.room, kind: msg.kind, text: msg.text, user: this.self(), ts: msg.ts }]);
      } else {
        // History (a re-join after a lost ack) already brought it: one copy on screen is enough.
        this.list.dropOwn(msg.clientId);
        return;
      }
    }
    this.list.showOwn(msg);
  }

  private self() {
    return { id: "self", ...this.deps.me };
  }

  private showNotice(notice: Notice | null): void {
    if (!notice) {
      this.noticeBar.hidden = true;
      return;
    }
    this.noticeBar.replaceChildren(
      h("span", { className: "badge badge-notice", text: "Pinned" }),
      h("span", { className: "notice-text", text: notice.text }),
      h("span", { className: "notice-by", text: `${notice.user.name} · ${clock(notice.ts)}` }),
    );
    this.noticeBar.hidden = false;
  }

  private remember(messages: ChatMessage[]): void {
    this.recent.push(...messages);
    this.recent.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.recent = this.recent.slice(-100);
    this.saveTimer ??= setTimeout(() => this.saveNow(), this.opts.saveDelayMs);
  }

  /** Writes the snapshot now; also called when the page is hidden or closed. */
  saveNow(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.deps.storage.saveRoom(this.room, { lastId: this.log.lastId, messages: this.recent });
  }
}
