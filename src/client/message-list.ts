/**
 * The scrolling list of one room's messages, built to keep up with a fast room: incoming messages
 * are batched into one DOM update per frame, the list keeps at most `maxNodes` rows (the oldest go
 * first), and it follows new messages only while the reader is at the bottom; otherwise a
 * "new messages" button offers the jump. Scrolling to the top asks for older messages (`onTop`);
 * a page of them goes in above without moving what the reader sees, and the first row says
 * where the room's history begins.
 */
import { compareIds, insertionIndex, RefusalReason, type ChatMessage, type Outgoing } from "../sdk/index.js";
import { h } from "./dom.js";
import { messageRow } from "./message-row.js";

export interface MessageListOptions {
  /** Rows kept in the DOM. @default 200 */
  maxNodes: number;
  /** Pixels from the bottom that still count as "at the bottom". @default 48 */
  stickyPx: number;
}

const defaults: MessageListOptions = { maxNodes: 200, stickyPx: 48 };

export interface MessageListDeps {
  /** The retry button of a failed own message. */
  retry(msg: Outgoing): void;
  /** Extra controls on others' messages (Reply; the studio's moderation buttons). @default none */
  actions?(msg: ChatMessage): HTMLElement[];
  /** What our own message replies to, to show on its row. @default none */
  replyOf?(msg: Outgoing): ChatMessage["replyTo"];
  /** The reader reached the top: load older messages (then {@link MessageList.addOlder}). @default none */
  onTop?(): void;
}

/** The first row's state: older messages may exist, are loading, or this is the beginning. */
export type HistoryEdge = "more" | "loading" | "start";

const EDGE_TEXT: Record<HistoryEdge, string> = { more: "", loading: "Loading older messages…", start: "Beginning of chat" };

/** Pixels from the top at which older messages are asked for. */
const TOP_PX = 40;

const ERROR_TEXT: Record<string, string> = {
  rate_limited: "Slow down: too many messages",
  unavailable: "Not delivered: the server is unavailable",
  too_large: "Too long",
};

/** The moderation rules' refusals, in the page's own words (error.reason). */
const REASON_TEXT: Record<string, string> = {
  [RefusalReason.SignInRequired]: "Sign in to chat in this room",
  [RefusalReason.SubscribersOnly]: "Subscribers-only chat",
  [RefusalReason.FollowersOnly]: "Followers-only chat: follow to chat",
  [RefusalReason.FollowTooRecent]: "Followers-only chat: you followed too recently",
  [RefusalReason.UniqueChat]: "Unique chat: that was just said",
  [RefusalReason.BlockedTerm]: "Blocked: it contains a term this room does not allow",
  [RefusalReason.Denied]: "Removed by a moderator",
  [RefusalReason.QueueFull]: "The moderators are busy: try again soon",
};

/** What a failed own message says; a rate limit (slow mode too) says how long to wait. */
function errorText(error: NonNullable<Outgoing["error"]>): string {
  if (error.reason && REASON_TEXT[error.reason]) return REASON_TEXT[error.reason]!;
  if (error.code === "rate_limited" && error.retryAfterMs !== undefined) return `Slow down: wait ${Math.ceil(error.retryAfterMs / 1000)} s`;
  return ERROR_TEXT[error.code] ?? error.message;
}

export class MessageList {
  readonly element: HTMLElement;
  private readonly opts: MessageListOptions;
  private readonly list: HTMLOListElement;
  private readonly jump: HTMLButtonElement;
  private readonly own = new Map<string, HTMLLIElement>();
  private queue: ChatMessage[] = [];
  private scheduled = false;
  private stick = true;
  private unseen = 0;
  /** Rows kept: maxNodes, grown by every page of older messages the reader asked for. */
  private cap: number;
  /** Always the list's first row (its id "" sorts before every message id). */
  private readonly edge: HTMLLIElement;

  constructor(
    private readonly deps: MessageListDeps,
    options: Partial<MessageListOptions> = {},
  ) {
    this.opts = { ...defaults, ...options } satisfies MessageListOptions;
    this.cap = this.opts.maxNodes;
    this.edge = h("li", { className: "history-edge", dataset: { id: "", edge: "more" }, attrs: { hidden: "" } });
    this.list = h("ol", { className: "messages", attrs: { "aria-live": "polite", "aria-label": "Chat messages" } }, this.edge);
    this.jump = h("button", { className: "jump", text: "New messages ↓", attrs: { type: "button", hidden: "" } });
    this.element = h("div", { className: "list-wrap" }, this.list, this.jump);
    this.list.addEventListener("scroll", () => {
      this.stick = this.distanceFromBottom() <= this.opts.stickyPx;
      if (this.stick) this.hideJump();
      if (this.list.scrollTop <= TOP_PX) this.deps.onTop?.();
    });
    // A list too short to scroll sends no scroll events: an upward wheel at the top asks too.
    this.list.addEventListener("wheel", (e) => {
      if (e.deltaY < 0 && this.list.scrollTop <= TOP_PX) this.deps.onTop?.();
    }, { passive: true });
    this.jump.addEventListener("click", () => this.scrollToBottom());
  }

  /** Messages of others (already de-duplicated); they show within a frame. */
  add(messages: ChatMessage[]): void {
    if (messages.length === 0) return;
    this.queue.push(...messages);
    this.schedule();
  }

  /**
   * A page of older messages (already de-duplicated), above the rows shown: the reader keeps
   * seeing the same lines, and the rows kept grow by the page so none of it is cut at once.
   */
  addOlder(messages: ChatMessage[]): void {
    if (messages.length === 0) return;
    const { scrollHeight, scrollTop } = this.list;
    for (const msg of [...messages].sort(compareIds)) this.insert(this.row(msg), msg.id);
    this.cap += messages.length;
    this.list.scrollTop = scrollTop + (this.list.scrollHeight - scrollHeight);
  }

  /** What the first row says: nothing (more may exist), loading, or the beginning of the chat. */
  historyEdge(state: HistoryEdge): void {
    this.edge.dataset.edge = state;
    this.edge.textContent = EDGE_TEXT[state];
    this.edge.hidden = state === "more";
  }

  /** Whether the list is too short to scroll (the reader cannot reach the top by scrolling). */
  get short(): boolean {
    return this.list.scrollHeight <= this.list.clientHeight;
  }

  /** Shows or updates one of our own messages. */
  showOwn(msg: Outgoing): void {
    const existing = this.own.get(msg.clientId);
    const row = this.ownRow(msg);
    if (existing) existing.replaceWith(row);
    else this.insert(row, msg.id);
    this.own.set(msg.clientId, row);
    if (msg.state === "sent") this.own.delete(msg.clientId);
    if (!existing) {
      this.stick = true; // whoever just sent wants to see it
      this.afterGrow(1);
    }
  }

  /** Removes the row of one of our own messages that is already shown from history. */
  dropOwn(clientId: string): void {
    this.own.get(clientId)?.remove();
    this.own.delete(clientId);
  }

  /** Removes the row of a deleted message, also when it is still waiting in the batch. */
  remove(id: string): void {
    this.queue = this.queue.filter((m) => m.id !== id);
    for (const row of this.list.querySelectorAll<HTMLLIElement>("li[data-id]")) {
      if (row.dataset.id === id) row.remove();
    }
  }

  /** Drops every row except our own unconfirmed ones, which still wait for their ack. */
  clear(): void {
    this.queue = [];
    this.list.replaceChildren(this.edge, ...this.own.values());
    this.historyEdge("more");
    this.hideJump();
  }

  /** Call after the list becomes visible (a tab switch): a hidden list cannot scroll. */
  shown(): void {
    if (this.stick) this.scrollToBottom();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // requestAnimationFrame batches a burst into one layout; the timer covers hidden pages, where
    // frames do not run.
    const run = () => {
      if (!this.scheduled) return;
      this.scheduled = false;
      this.flush();
    };
    requestAnimationFrame(run);
    setTimeout(run, 100);
  }

  private flush(): void {
    // Only the newest rows by id survive the cap, so there is no point in building the others.
    const batch = this.queue.splice(0).sort(compareIds).slice(-this.cap);
    for (const msg of batch) this.insert(this.row(msg), msg.id);
    this.afterGrow(batch.length);
  }

  /** Keeps rows ordered by id; rows without an id yet (own, pending) stay at the end. */
  private insert(row: HTMLLIElement, id: string | undefined): void {
    const rows = this.list.children as HTMLCollectionOf<HTMLLIElement>;
    if (id === undefined) {
      this.list.append(row);
      return;
    }
    row.dataset.id = id;
    let end = rows.length;
    while (end > 0 && rows[end - 1]!.dataset.id === undefined) end--;
    const at = insertionIndex(end, (i) => rows[i]!.dataset.id!, id);
    this.list.insertBefore(row, rows[at] ?? null);
  }

  private afterGrow(added: number): void {
    let removedPx = 0;
    while (this.list.children.length - 1 > this.cap) {
      const oldest = this.edge.nextElementSibling as HTMLElement;
      removedPx += oldest.offsetHeight;
      oldest.remove();
      // What went from the top can be loaded again: the beginning is no longer shown.
      if (this.edge.dataset.edge === "start") this.historyEdge("more");
    }
    // A reader scrolled up keeps the same lines in view while old rows go from the top.
    if (!this.stick && removedPx > 0) this.list.scrollTop -= removedPx;
    if (this.stick) {
      this.scrollToBottom();
    } else {
      this.unseen += added;
      this.jump.textContent = `${this.unseen} new message${this.unseen === 1 ? "" : "s"} ↓`;
      this.jump.hidden = false;
    }
  }

  private scrollToBottom(): void {
    this.list.scrollTop = this.list.scrollHeight;
    this.stick = true;
    this.hideJump();
  }

  private hideJump(): void {
    this.unseen = 0;
    this.jump.hidden = true;
  }

  private distanceFromBottom(): number {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight;
  }

  private row(msg: ChatMessage): HTMLLIElement {
    const row = messageRow(msg);
    const actions = this.deps.actions?.(msg) ?? [];
    if (actions.length > 0) row.append(h("span", { className: "msg-actions" }, ...actions));
    return row;
  }

  private ownRow(msg: Outgoing): HTMLLIElement {
    const replyTo = this.deps.replyOf?.(msg);
    const row = messageRow({ kind: msg.kind, text: msg.text, ts: msg.ts, ...(replyTo ? { replyTo } : {}) });
    row.classList.add("own", msg.state);
    row.dataset.clientId = msg.clientId;
    if (msg.id) row.dataset.id = msg.id;
    if (msg.state === "pending") row.append(h("span", { className: "msg-status", text: "sending…" }));
    if (msg.state === "held") {
      const why = msg.held?.reason === "review" ? "held for the moderators' review" : "held for a few seconds by the room's delay";
      row.append(h("span", { className: "msg-status held", text: why }));
    }
    if (msg.state === "failed" && msg.error) {
      const why = errorText(msg.error);
      // Moderation refused the text itself, or a chat mode the sender cannot change: no Retry.
      if (msg.error.code === "blocked" || (msg.error.reason !== undefined && msg.error.reason !== RefusalReason.QueueFull && msg.error.reason !== RefusalReason.FollowTooRecent)) {
        row.append(h("span", { className: "msg-error", attrs: { role: "alert" } }, why));
      } else {
        const retry = h("button", { className: "retry", text: "Retry", attrs: { type: "button" } });
        retry.addEventListener("click", () => this.deps.retry(msg));
        row.append(h("span", { className: "msg-error", attrs: { role: "alert" } }, `${why} `, retry));
      }
    }
    return row;
  }
}
