/**
 * One room on a page: pinned notice, viewer count, message list and composer. It renders what the
 * room's {@link RoomSubscription} says (the SDK joins, recovers, orders, de-duplicates, sends and
 * retries) and hands what the person does back to it. No chat logic here.
 */
import { replyExcerpt, type ChatClient, type ChatMessage, type Notice, type OutgoingKind, type ReplyRef, type RoomSettings, type RoomState, type RoomSubscription } from "../sdk/index.js";
import { composer, type Composer } from "./composer.js";
import { clock, h } from "./dom.js";
import { MessageList } from "./message-list.js";
import { moderationButtons, reportButton, type ModerationDeps } from "./moderation.js";
import { slowModeLabel, streamerTools } from "./streamer-tools.js";

export interface RoomPanelOptions {
  /** What the composer can send. @default ["chat", "question"] */
  kinds: OutgoingKind[];
  /** Characters per message (the server's default limit). @default 500 */
  maxLength: number;
  /** Seconds the studio's Mute button mutes someone for; 0 shows no moderation buttons. @default 0 */
  muteSec: number;
  /** The studio's room tools: slow mode, clear chat, ban and unban. @default false */
  streamerTools: boolean;
}

const defaults: RoomPanelOptions = { kinds: ["chat", "question"], maxLength: 500, muteSec: 0, streamerTools: false };

export interface RoomPanelDeps {
  client: ChatClient;
  room: RoomSubscription;
  /** Told when messages arrive, e.g. to count unread ones on a hidden tab. */
  activity?(room: string): void;
}

/** Failures are shown on the message's own row; the promise has nothing more to say. */
const shownOnRow = () => {};

export class RoomPanel {
  readonly element: HTMLElement;
  private readonly opts: RoomPanelOptions;
  private readonly list: MessageList;
  private readonly noticeBar: HTMLElement;
  private readonly viewerCount: HTMLElement;
  private readonly slowMode: HTMLElement;
  private readonly modes: HTMLElement;
  private readonly status: HTMLElement;
  private readonly composer: Composer;
  private readonly stops: (() => void)[] = [];
  /** Older messages: a page is on its way, or the beginning of the chat is shown. */
  private older: "idle" | "loading" | "start" = "idle";

  constructor(
    private readonly deps: RoomPanelDeps,
    options: Partial<RoomPanelOptions> = {},
  ) {
    this.opts = { ...defaults, ...options } satisfies RoomPanelOptions;
    const { room } = deps;
    const moderation: ModerationDeps = { room, muteSec: this.opts.muteSec, report: (text) => (this.status.textContent = text) };
    this.list = new MessageList({
      retry: (msg) => room.retry(msg).catch(shownOnRow),
      actions: (msg) => [this.replyButton(msg), ...(this.opts.muteSec > 0 ? moderationButtons(moderation, msg) : [reportButton(moderation, msg)])],
      replyOf: (msg) => (msg.replyTo === undefined ? undefined : this.replyRef(msg.replyTo)),
      onTop: () => void this.loadOlder(),
    });
    this.noticeBar = h("div", { className: "notice", attrs: { hidden: "", role: "status" } });
    this.viewerCount = h("span", { className: "viewers", text: "– watching" });
    this.slowMode = h("span", { className: "slow-mode", attrs: { hidden: "" } });
    this.modes = h("span", { className: "room-modes", attrs: { hidden: "" } });
    this.status = h("span", { className: "room-status", attrs: { role: "status" } });
    const submit = (kind: OutgoingKind, text: string, replyTo?: string) =>
      void (kind === "notice" ? room.sendNotice(text) : room.send(text, kind, replyTo === undefined ? {} : { replyTo })).catch(shownOnRow);
    this.composer = composer({ room: room.id, kinds: this.opts.kinds, maxLength: this.opts.maxLength }, submit);
    this.element = h(
      "section",
      { className: "room", dataset: { room: room.id } },
      this.noticeBar,
      this.opts.streamerTools && streamerTools({ room, report: (text) => (this.status.textContent = text) }),
      h("div", { className: "room-bar" }, h("span", { className: "room-name", text: `#${room.id}` }), this.viewerCount, this.slowMode, this.modes, this.status),
      this.list.element,
      this.composer.element,
    );
    // What the last visit kept shows at once; the join then brings only what was missed.
    this.list.add([...room.messages]);
    this.showNotice(room.notice);
    this.wire();
  }

  get room(): string {
    return this.deps.room.id;
  }

  /** Says something in the room's status line (the studio's tools report there). */
  report(text: string): void {
    this.status.textContent = text;
  }

  /** Joins (now or once connected) and stays joined across reconnects. */
  open(): void {
    this.showState(this.deps.room.state);
    void this.deps.room.join().catch(shownOnRow); // a failure shows in the status line
  }

  /** Leaves the room; with `forget`, what it kept for the next visit goes too. */
  close(forget: boolean): void {
    for (const stop of this.stops.splice(0)) stop();
    this.deps.room.leave({ forget });
    this.element.remove();
  }

  shown(): void {
    this.list.shown();
  }

  private wire(): void {
    const { room, client } = this.deps;
    this.stops.push(
      room.on("messages", ({ messages, reset }) => {
        // Not recovered after we showed messages: they no longer connect to what comes now.
        if (reset) {
          this.list.clear();
          this.older = "idle";
        }
        this.list.add(messages);
        this.deps.activity?.(room.id);
      }),
      room.on("outgoing", ({ message, alreadyReceived }) => {
        // A re-join brought it first (after a lost ack): one copy on screen is enough.
        if (alreadyReceived) this.list.dropOwn(message.clientId);
        else this.list.showOwn(message);
      }),
      room.on("notice", ({ notice }) => this.showNotice(notice)),
      room.on("viewers", ({ count }) => (this.viewerCount.textContent = `${count} watching`)),
      room.on("deleted", ({ id }) => this.list.remove(id)),
      // The `messages` event with `reset` that follows drops the rows; this says why.
      room.on("cleared", ({ by, system }) => (this.status.textContent = `chat cleared by ${system ? "the site" : by.name}`)),
      room.on("settings", ({ settings }) => {
        this.showSlowMode(settings.slowModeSec);
        this.showModes(settings);
      }),
      room.on("state", ({ state }) => this.showState(state)),
      client.on("state", () => this.showState(room.state)),
    );
  }

  /**
   * The reader reached the top: the page before the oldest message shown, from the server's
   * history (the archive beyond the hot window). Keeps going while the list is too short to
   * scroll, so a reader can always reach the beginning.
   */
  private async loadOlder(): Promise<void> {
    const { room } = this.deps;
    if (this.older !== "idle" || room.state !== "joined") return;
    this.older = "loading";
    this.list.historyEdge("loading");
    try {
      const { messages, hasMore } = await room.loadOlder();
      this.list.addOlder(messages);
      this.older = hasMore ? "idle" : "start";
      this.list.historyEdge(hasMore ? "more" : "start");
    } catch (err) {
      this.older = "idle";
      this.list.historyEdge("more");
      this.status.textContent = `could not load older messages: ${err instanceof Error ? err.message : "failed"}`;
      return;
    }
    if (this.older === "idle" && this.list.short) void this.loadOlder();
  }

  /** `data-joined` tells styles and tests whether the room is live right now. */
  private showState(state: RoomState): void {
    const { room, client } = this.deps;
    this.element.dataset.joined = String(state === "joined");
    if (state === "joined") this.status.textContent = "";
    else if (state === "failed") this.status.textContent = `could not join: ${room.error?.message ?? "refused"}`;
    else if (state === "joining") this.status.textContent = client.state === "connected" ? "joining…" : "waiting for the connection…";
  }

  /** The room's chat modes, as a viewer needs to know them before typing. */
  private showModes(s: RoomSettings): void {
    const parts = [
      s.subscribersOnly && "Subscribers-only",
      s.followersOnlySec !== undefined && "Followers-only",
      s.uniqueChat && "Unique chat",
      s.delaySec !== undefined && `Delay ${s.delaySec} s`,
    ].filter((p): p is string => typeof p === "string");
    this.modes.hidden = parts.length === 0;
    this.modes.textContent = parts.join(" · ");
    this.element.dataset.modes = parts.join(",");
  }

  private replyButton(msg: ChatMessage): HTMLButtonElement {
    const b = h("button", { className: "mod reply", text: "Reply", attrs: { type: "button", "aria-label": `Reply to ${msg.user.name}` } });
    b.addEventListener("click", () => this.composer.replyTo({ id: msg.id, user: msg.user, excerpt: replyExcerpt(msg.text) }));
    return b;
  }

  /** What one of our own messages replies to, from the messages the room shows. */
  private replyRef(id: string): ReplyRef | undefined {
    const parent = this.deps.room.messages.find((m) => m.id === id);
    return parent && { id, user: parent.user, excerpt: replyExcerpt(parent.text) };
  }

  private showSlowMode(sec: number): void {
    this.slowMode.hidden = sec === 0;
    this.slowMode.dataset.sec = String(sec);
    this.slowMode.textContent = `Slow mode · ${slowModeLabel(sec)}`;
    this.slowMode.title = `One message every ${slowModeLabel(sec)}`;
  }

  private showNotice(notice: Notice | null): void {
    if (!notice) {
      this.noticeBar.hidden = true;
      return;
    }
    this.noticeBar.replaceChildren(
      h("span", { className: "badge badge-notice", text: "Pinned" }),
      h("span", { className: "notice-text", text: notice.text }),
      h("span", { className: "notice-by", text: `${notice.system ? "the site" : notice.user.name} · ${clock(notice.ts)}` }),
    );
    this.noticeBar.hidden = false;
  }
}
