/**
 * One room of a {@link ChatClient}: joins it (again after every reconnect, with `since`), retries
 * a join that fails for a passing reason, fills gaps, de-duplicates, keeps an ordered snapshot,
 * sends with exactly-once retries, and tells the UI through typed events. The UI only renders.
 */
import {
  ErrorCode,
  type BatchEntry,
  type ChatMessage,
  type JoinResult,
  type MessageKind,
  type Notice,
  type User,
} from "../protocol/index.js";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { ChatError, isPermanent } from "./chat-error.js";
import type { Clock, TimerHandle } from "./clock.js";
import { Emitter } from "./emitter.js";
import type { RoomEvents, RoomState } from "./events.js";
import { compareIds, MessageWindow } from "./message-window.js";
import { Outbox, type Outgoing } from "./outbox.js";
import type { Requests } from "./requests.js";
import { RetryRunner, type RetryPolicy } from "./retry-runner.js";
import { defaultRoomTimelineOptions, RoomTimeline, type RoomTimelineOptions, type TimelineStats } from "./room-timeline.js";
import type { ChatStorage } from "./storage.js";

export interface RoomOptions extends RoomTimelineOptions {
  /** Messages kept in the ordered snapshot, and in storage for the next load. @default 100 */
  snapshotSize: number;
  /** Delay before the snapshot is written to storage, so a burst costs one write. @default 300 */
  persistDelayMs: number;
}

export const defaultRoomOptions: RoomOptions = { ...defaultRoomTimelineOptions, snapshotSize: 100, persistDelayMs: 300 };

/** What a room needs from its client (the client makes rooms; nothing else needs this). */
export interface RoomHost {
  readonly clock: Clock;
  readonly storage: ChatStorage;
  /** Who we are, for own messages in the snapshot. */
  readonly self: User;
  readonly ackTimeoutMs: number;
  readonly joinBackoff: BackoffOptions;
  readonly retryPolicy: RetryPolicy;
  readonly requests: Requests;
  connected(): boolean;
  newClientId(): string;
  reportError(err: unknown): void;
  /** The room was left: the client forgets it. */
  released(room: RoomSubscription): void;
}

/** The wire's live message minus `prev`, which only the SDK needs. */
function stripped(msg: ChatMessage): ChatMessage {
  const { prev: _, ...rest } = msg;
  return rest;
}

export class RoomSubscription extends Emitter<RoomEvents> {
  readonly id: string;
  private readonly opts: RoomOptions;
  private readonly timeline: RoomTimeline;
  private readonly window: MessageWindow;
  private readonly runner: RetryRunner;
  private readonly outbox: Outbox;
  private current: RoomState = "idle";
  private failure: ChatError | undefined;
  private noticeNow: Notice | null = null;
  private viewerCount: number | undefined;
  /** Consecutive failed join attempts: the backoff's exponent. */
  private joinAttempts = 0;
  private retryTimer: TimerHandle | undefined;
  private persistTimer: TimerHandle | undefined;
  /** Bumped on every disconnect and on leave: an answer to an older join is stale. */
  private generation = 0;
  private joinWaiters: ((joined: boolean) => void)[] = [];
  private settleWaiters: (() => void)[] = [];

  /** Made by {@link ChatClient.room}. */
  constructor(
    id: string,
    private readonly host: RoomHost,
    options: Partial<RoomOptions> = {},
  ) {
    super(host.reportError);
    this.id = id;
    this.opts = { ...defaultRoomOptions, ...options } satisfies RoomOptions;
    const stored = host.storage.loadRoom(id);
    this.window = new MessageWindow(this.opts.snapshotSize);
    this.timeline = new RoomTimeline(
      {
        clock: host.clock,
        wantRefill: () => {
          if (this.current === "joined") this.startJoin(true);
        },
        ownUnacked: () => this.outbox.unackedCount,
        changed: () => this.checkSettled(),
      },
      this.opts,
      stored?.lastId,
    );
    for (const msg of stored?.messages ?? []) this.timeline.accept(msg.id);
    this.window.add(stored?.messages ?? []);
    this.runner = new RetryRunner(host.retryPolicy, {
      clock: host.clock,
      whenJoined: () => this.whenJoined(),
      rejoin: () => this.rejoin(),
    });
    this.outbox = new Outbox(id, {
      clock: host.clock,
      runner: this.runner,
      newClientId: () => host.newClientId(),
      transmit: (msg) =>
        msg.kind === "notice"
          ? host.requests.send("notice:send", { room: id, text: msg.text, clientId: msg.clientId }, host.ackTimeoutMs)
          : host.requests.send("chat:send", { room: id, text: msg.text, kind: msg.kind, clientId: msg.clientId }, host.ackTimeoutMs),
      changed: (msg) => this.ownChanged(msg),
    });
  }

  get state(): RoomState {
    return this.current;
  }

  /** Why the room failed, when `state` is "failed". */
  get error(): ChatError | undefined {
    return this.failure;
  }

  /** The newest messages (own sent ones included), ascending by id; restored from storage at first. */
  get messages(): readonly ChatMessage[] {
    return this.window.messages;
  }

  get notice(): Notice | null {
    return this.noticeNow;
  }

  /** Viewers in the room, once known. */
  get viewers(): number | undefined {
    return this.viewerCount;
  }

  /** The `since` of the next join: everything up to it was seen. */
  get lastId(): string | undefined {
    return this.timeline.lastId;
  }

  /** Own messages not sent yet (pending or failed), oldest first. */
  get unsent(): Outgoing[] {
    return this.outbox.unsent;
  }

  /** Refills and gaps of this room, for metrics: a healthy room has (almost) no refills. */
  get stats(): Readonly<TimelineStats> {
    return this.timeline.stats;
  }

  /** Joins the room (now, or once connected) and stays in it across reconnects; resolves when joined. */
  join(): Promise<void> {
    if (this.current === "idle" || this.current === "failed") {
      this.failure = undefined;
      this.runner.reopen();
      this.setState("joining");
      this.startJoin(false);
    }
    return this.ready();
  }

  /** Resolves when the room is joined (at once if it is); rejects when it fails or is left first. */
  async ready(): Promise<void> {
    if (!(await this.whenJoined())) throw this.failure ?? ChatError.local("closed", `left room ${this.id}`);
  }

  /**
   * Resolves once the room is joined with no gap open and no refill running: everything the
   * server sent up to now is here. For tests and tools.
   */
  settled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  /** Leaves the room for good. With `forget`, its stored snapshot goes too. */
  leave(options: { forget?: boolean } = {}): void {
    if (this.current === "left") return;
    const wasIn = this.current === "joining" || this.current === "joined";
    this.generation++;
    this.host.clock.clearTimeout(this.retryTimer);
    this.timeline.dispose();
    this.runner.close(ChatError.local("closed", `left room ${this.id}`));
    if (wasIn && this.host.connected()) void this.host.requests.send("room:leave", { room: this.id }, this.host.ackTimeoutMs);
    if (options.forget) {
      this.host.clock.clearTimeout(this.persistTimer);
      this.host.storage.forgetRoom(this.id);
    } else this.persist();
    this.setState("left");
    this.host.released(this);
    for (const done of this.settleWaiters.splice(0)) done();
  }

  /** Sends a chat message or question; resolves with its stored id (see {@link Outgoing} for its states). */
  send(text: string, kind: MessageKind = "chat"): Promise<string> {
    return this.submit(kind, text);
  }

  /** Posts the room's pinned notice (the room's streamer only). */
  sendNotice(text: string): Promise<string> {
    return this.submit("notice", text);
  }

  /** Sends a failed own message again, with the same clientId. */
  retry(message: Outgoing): Promise<string> {
    return this.outbox.retry(message);
  }

  /** Moderation (the room's streamer): removes a message for everyone; false when it was not there. */
  async deleteMessage(id: string): Promise<boolean> {
    const { deleted } = await this.runner.run(() => this.host.requests.send("chat:delete", { room: this.id, id }, this.host.ackTimeoutMs));
    // The server tells everyone else, not us.
    this.handleDeleted(id);
    return deleted;
  }

  /** Moderation (the room's streamer): mutes a user here; resolves with when it ends (ms since the epoch). */
  async mute(userId: string, durationSec: number): Promise<number> {
    const req = { room: this.id, userId, durationSec };
    const { until } = await this.runner.run(() => this.host.requests.send("user:mute", req, this.host.ackTimeoutMs));
    return until;
  }

  /** Writes the snapshot and `since` to storage now (e.g. when the page goes away). */
  persist(): void {
    this.host.clock.clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    this.host.storage.saveRoom(this.id, { lastId: this.timeline.lastId, messages: [...this.window.messages] });
  }

  // --- from the client ---------------------------------------------------------------------------

  /** @internal The connection is up: (re)join if we want to be in the room. */
  handleConnect(): void {
    if (this.current === "joining") this.startJoin(false);
  }

  /** @internal The connection dropped: the room is joined again after the reconnect. */
  handleDisconnect(): void {
    this.generation++;
    this.host.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.timeline.disconnected();
    if (this.current === "joined") this.setState("joining");
  }

  /** @internal A live `chat:message` (protocol v1). */
  handleMessage(msg: ChatMessage): void {
    if (!this.listening() || !this.timeline.receive(msg.id, msg.prev)) return;
    this.showMessages([stripped(msg)]);
  }

  /** @internal A live `notice` (protocol v1). */
  handleNotice(notice: Notice): void {
    if (!this.listening() || !this.timeline.receive(notice.id, notice.prev)) return;
    const { prev: _, ...rest } = notice;
    this.showNotice(rest);
  }

  /** @internal A `chat:batch` (protocol v1.1): entries in history order, each with `prev`. */
  handleBatch(entries: BatchEntry[]): void {
    if (!this.listening()) return;
    let messages: ChatMessage[] = [];
    for (const entry of entries) {
      if (!this.timeline.receive(entry.id, entry.prev)) continue;
      const { id, kind, text, user, ts } = entry;
      if (kind === "chat" || kind === "question") {
        messages.push({ id, room: this.id, kind, text, user, ts });
        continue;
      }
      // Keep the room's order of events: what came before this entry is shown first.
      this.showMessages(messages);
      messages = [];
      if (kind === "notice") this.showNotice({ id, room: this.id, text, user, ts });
      else this.emit("entry", { entry });
    }
    this.showMessages(messages);
  }

  /** @internal */
  handleViewers(count: number): void {
    if (!this.listening()) return;
    this.viewerCount = count;
    this.emit("viewers", { count });
  }

  /** @internal A message was deleted (by the streamer; us included, through {@link deleteMessage}). */
  handleDeleted(id: string): void {
    if (this.current === "left") return;
    this.timeline.remove(id);
    this.window.remove(id);
    if (this.noticeNow?.id === id) this.setNotice(null);
    this.emit("deleted", { id });
    this.schedulePersist();
  }

  // --- internals ---------------------------------------------------------------------------------

  private listening(): boolean {
    return this.current === "joining" || this.current === "joined";
  }

  private submit(kind: Outgoing["kind"], text: string): Promise<string> {
    if (this.current === "left") return Promise.reject(ChatError.local("closed", `left room ${this.id}`));
    return this.outbox.submit(kind, text).done;
  }

  private whenJoined(): Promise<boolean> {
    if (this.current === "joined") return Promise.resolve(true);
    if (this.current === "left" || this.current === "failed") return Promise.resolve(false);
    return new Promise((resolve) => this.joinWaiters.push(resolve));
  }

  /** The server says we are not in the room: join again (a refill in flight joins too). */
  private rejoin(): void {
    if (this.current !== "joined") return;
    this.setState("joining");
    this.startJoin(false);
  }

  /** Sends a join (`refill`: for a gap, while joined) unless one is in flight or we are offline. */
  private startJoin(refill: boolean): void {
    if (!this.host.connected() || this.timeline.joining || !this.listening()) return;
    this.host.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const generation = this.generation;
    const since = this.timeline.beginJoin(refill);
    const req = since === undefined ? { room: this.id } : { room: this.id, since };
    void this.host.requests.send("room:join", req, this.host.ackTimeoutMs).then((res) => {
      if (generation !== this.generation) return; // disconnected or left meanwhile
      if (res.ok) return this.joinedWith(res, refill);
      const error = res.error instanceof ChatError ? res.error : new ChatError(res.error);
      if (error.local === "disconnected") return this.timeline.abortJoin(); // the reconnect joins again
      if (isPermanent(error.code)) {
        // A refill that cannot work gives up on its gaps; a join that cannot work fails the room.
        this.timeline.abortJoin(true);
        if (!refill) this.fail(error);
        return;
      }
      this.timeline.abortJoin();
      const wait =
        error.code === ErrorCode.RateLimited && error.retryAfterMs !== undefined
          ? error.retryAfterMs
          : backoffDelay(this.joinAttempts, this.host.joinBackoff, () => this.host.clock.random());
      this.joinAttempts++;
      this.retryTimer = this.host.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.startJoin(refill && this.current === "joined");
      }, wait);
    });
  }

  private joinedWith(res: JoinResult, refill: boolean): void {
    const hadShown = this.window.messages.length > 0;
    const outcome = this.timeline.endJoin(res.recovered, res.messages.map((m) => m.id), res.notice?.id);
    const startOver = outcome.restarted && hadShown;
    this.joinAttempts = 0;
    if (outcome.restarted) {
      const kept = new Set(outcome.kept);
      this.window.retain((m) => kept.has(m.id));
      this.window.add(res.messages.map(stripped));
      if (startOver) this.emit("messages", { messages: [...this.window.messages], reset: true });
      else this.showMessages(res.messages, false);
    } else {
      const fresh = new Set(outcome.fresh);
      this.showMessages(res.messages.filter((m) => fresh.has(m.id)), false);
    }
    if (res.notice === null) this.setNotice(null);
    else if (this.noticeNow === null || res.notice.id >= this.noticeNow.id) this.setNotice(res.notice);
    this.viewerCount = res.viewers;
    this.emit("viewers", { count: res.viewers });
    this.emit("joined", { recovered: res.recovered, startOver, refill, viewers: res.viewers });
    if (this.current === "joining") this.setState("joined");
    this.schedulePersist();
    this.checkSettled();
  }

  /** Adds fresh messages to the snapshot and tells the UI, ascending by id. */
  private showMessages(messages: ChatMessage[], persist = true): void {
    if (messages.length === 0) return;
    const sorted = messages.map(stripped).sort(compareIds);
    this.window.add(sorted);
    this.emit("messages", { messages: sorted, reset: false });
    if (persist) this.schedulePersist();
  }

  /** A newer notice replaces the current one; an older one arriving late does not. */
  private showNotice(notice: Notice): void {
    if (this.noticeNow !== null && notice.id < this.noticeNow.id) return;
    this.setNotice(notice);
  }

  private setNotice(notice: Notice | null): void {
    if ((notice?.id ?? null) === (this.noticeNow?.id ?? null)) return;
    this.noticeNow = notice;
    this.emit("notice", { notice });
  }

  private ownChanged(msg: Outgoing): void {
    let alreadyReceived = false;
    if (msg.state === "sent" && msg.id !== undefined) {
      alreadyReceived = !this.timeline.accept(msg.id);
      const { id, room, text, ts } = msg;
      const user = this.host.self;
      if (msg.kind === "notice") this.showNotice({ id, room, text, user, ts });
      else if (!alreadyReceived) {
        this.window.add([{ id, room, kind: msg.kind, text, user, ts }]);
        this.schedulePersist();
      }
    }
    this.emit("outgoing", { message: msg, alreadyReceived });
    if (msg.state !== "pending") this.timeline.ownSettled();
  }

  private fail(error: ChatError): void {
    this.failure = error;
    this.runner.close(error);
    this.setState("failed", error);
  }

  private setState(state: RoomState, error?: ChatError): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    if (state === "joined" || state === "failed" || state === "left") {
      for (const resolve of this.joinWaiters.splice(0)) resolve(state === "joined");
    }
    this.emit("state", error ? { state, previous, error } : { state, previous });
    this.checkSettled();
  }

  private isSettled(): boolean {
    return this.current === "left" || (this.current === "joined" && this.timeline.settled);
  }

  private checkSettled(): void {
    if (this.settleWaiters.length === 0 || !this.isSettled()) return;
    for (const done of this.settleWaiters.splice(0)) done();
  }

  private schedulePersist(): void {
    if (this.current === "left") return;
    this.persistTimer ??= this.host.clock.setTimeout(() => this.persist(), this.opts.persistDelayMs);
  }
}
