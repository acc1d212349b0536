/**
 * One room of a {@link ChatClient}: joins it (again after every reconnect, with `since`), retries
 * a join that fails for a passing reason, fills gaps, de-duplicates, keeps an ordered snapshot,
 * sends with exactly-once retries, and tells the UI through typed events. The UI only renders.
 *
 * Past 300 lines on purpose: this is the SDK's public face of one room. The work is in the parts
 * it holds (room-timeline, room-view, room-feed, room-joiner, outbox, retry-runner); what is left
 * here is its API and the state that ties them, which reads best in one place.
 */
import {
  ErrorCode,
  type ChatMessage,
  type ConfigureRequest,
  type HeldOutcome,
  type MessageKind,
  type Notice,
  type Role,
  type RoomSettings,
  type User,
} from "../protocol/index.js";
import type { BackoffOptions } from "./backoff.js";
import { ChatError } from "./chat-error.js";
import type { Clock, TimerHandle } from "./clock.js";
import { Emitter } from "./emitter.js";
import type { RoomEvents, RoomState } from "./events.js";
import { Outbox, type Outgoing } from "./outbox.js";
import type { Requests } from "./requests.js";
import { RetryRunner, type RetryPolicy } from "./retry-runner.js";
import { RoomFeed } from "./room-feed.js";
import { RoomJoiner } from "./room-joiner.js";
import { RoomModeration } from "./room-moderation.js";
import { defaultRoomTimelineOptions, RoomTimeline, type RoomTimelineOptions, type TimelineStats } from "./room-timeline.js";
import { RoomView } from "./room-view.js";
import type { ChatStorage } from "./storage.js";

export interface RoomOptions extends RoomTimelineOptions {
  /** Messages kept in the ordered snapshot, and in storage for the next load. @default 100 */
  snapshotSize: number;
  /** Delay before the snapshot is written to storage, so a burst costs one write. @default 300 */
  persistDelayMs: number;
}

/** What {@link RoomSubscription.loadOlder} resolves with. */
export interface OlderMessages {
  /** The messages added to the snapshot, ascending by id (older than everything shown before). */
  messages: ChatMessage[];
  /** False: nothing older can be shown (the room's first message, or the last clear, is reached). */
  hasMore: boolean;
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

export class RoomSubscription extends Emitter<RoomEvents> {
  readonly id: string;
  /** @internal Where the client delivers what the server says about this room. */
  readonly feed: RoomFeed;
  /** The room's moderation tools and the team's events (for its streamer and moderators). */
  readonly moderation: RoomModeration;
  private readonly opts: RoomOptions;
  private readonly timeline: RoomTimeline;
  private readonly view: RoomView;
  private readonly runner: RetryRunner;
  private readonly outbox: Outbox;
  private readonly joiner: RoomJoiner;
  private current: RoomState = "idle";
  private failure: ChatError | undefined;
  private persistTimer: TimerHandle | undefined;
  private joinWaiters: ((joined: boolean) => void)[] = [];
  private settleWaiters: (() => void)[] = [];
  private olderInFlight: Promise<OlderMessages> | undefined;

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
    this.view = new RoomView(this.opts.snapshotSize, stored?.messages ?? []);
    this.timeline = new RoomTimeline(
      {
        clock: host.clock,
        wantRefill: () => {
          if (this.current === "joined") this.joiner.start(true);
        },
        ownUnacked: () => this.outbox.unackedCount,
        changed: () => this.checkSettled(),
      },
      this.opts,
      stored?.lastId,
    );
    for (const msg of stored?.messages ?? []) this.timeline.accept(msg.id);
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
          : host.requests.send(
              "chat:send",
              { room: id, text: msg.text, kind: msg.kind, clientId: msg.clientId, ...(msg.replyTo === undefined ? {} : { replyTo: msg.replyTo }) },
              host.ackTimeoutMs,
            ),
      changed: (msg) => this.feed.own(msg),
    });
    this.feed = new RoomFeed({
      room: id,
      timeline: this.timeline,
      view: this.view,
      self: host.self,
      emit: (event, payload) => this.emit(event, payload),
      listening: () => this.listening(),
      changed: () => this.schedulePersist(),
    });
    this.joiner = new RoomJoiner({
      room: id,
      clock: host.clock,
      requests: host.requests,
      ackTimeoutMs: host.ackTimeoutMs,
      backoff: host.joinBackoff,
      timeline: this.timeline,
      canJoin: () => host.connected() && this.listening(),
      joined: () => this.current === "joined",
      answered: (res, refill) => {
        this.feed.joinAnswer(res, refill);
        if (this.current === "joining") this.setState("joined");
        this.checkSettled();
      },
      refused: (error) => this.fail(error),
    });
    this.moderation = new RoomModeration({ room: id, requests: host.requests, runner: this.runner, ackTimeoutMs: host.ackTimeoutMs, reportError: host.reportError });
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
    return this.view.messages;
  }

  get notice(): Notice | null {
    return this.view.notice;
  }

  /** The room's settings (slow mode, chat modes), once a join answered. */
  get settings(): RoomSettings | undefined {
    return this.view.settings;
  }

  /** Our role in the room (viewer, moderator, streamer), once a join answered. */
  get role(): Role | undefined {
    return this.view.role;
  }

  /** Viewers in the room, once known. */
  get viewers(): number | undefined {
    return this.view.viewers;
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
      this.joiner.start(false);
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
    const wasIn = this.listening();
    this.joiner.reset();
    this.timeline.dispose();
    this.runner.close(ChatError.local("closed", `left room ${this.id}`));
    if (wasIn && this.host.connected()) void this.host.requests.send("room:leave", { room: this.id }, this.host.ackTimeoutMs);
    if (options.forget) {
      this.host.clock.clearTimeout(this.persistTimer);
      this.host.storage.forgetRoom(this.id);
    } else this.persist();
    this.setState("left");
    this.host.released(this);
  }

  /**
   * Sends a chat message or question, or a reply (`replyTo`: a message id of this room); resolves
   * with its stored id (see {@link Outgoing} for its states: a moderated room may hold it first).
   */
  send(text: string, kind: MessageKind = "chat", options: { replyTo?: string } = {}): Promise<string> {
    return this.submit(kind, text, options.replyTo);
  }

  /**
   * Pages back through the room's history (`room:history`, across the server's hot window and its
   * archive): the `limit` messages (1-100, default 50) older than the oldest one shown, merged into
   * `messages` without duplicates (the snapshot grows by them). Resolves with the ones added,
   * ascending by id, and `hasMore: false` once the start of the room's history (or the last
   * clear) is reached. A call while one is in flight gets that one's answer.
   */
  loadOlder(limit = 50): Promise<OlderMessages> {
    this.olderInFlight ??= this.fetchOlder(limit).finally(() => (this.olderInFlight = undefined));
    return this.olderInFlight;
  }

  private async fetchOlder(limit: number): Promise<OlderMessages> {
    if (this.current === "left") throw ChatError.local("closed", `left room ${this.id}`);
    const before = this.view.messages[0]?.id;
    const req = before === undefined ? { room: this.id, limit } : { room: this.id, before, limit };
    const res = await this.runner.run(() => this.host.requests.send("room:history", req, this.host.ackTimeoutMs));
    // Left while the page was on its way: nothing to merge into.
    if ((this.current as RoomState) === "left") return { messages: [], hasMore: res.hasMore };
    return { messages: this.view.addOlder(res.messages), hasMore: res.hasMore };
  }

  /** Reports a message of this room to its moderators; false when we had reported it already. */
  async report(messageId: string, reason: string): Promise<boolean> {
    const { reported } = await this.runner.run(() => this.host.requests.send("chat:report", { room: this.id, id: messageId, reason }, this.host.ackTimeoutMs));
    return reported;
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
    if (this.current !== "left") this.feed.deleted(id);
    return deleted;
  }

  /** Moderation (the room's streamer): mutes a user here; resolves with when it ends (ms since the epoch). */
  async mute(userId: string, durationSec: number): Promise<number> {
    const req = { room: this.id, userId, durationSec };
    const { until } = await this.runner.run(() => this.host.requests.send("user:mute", req, this.host.ackTimeoutMs));
    return until;
  }

  /**
   * Moderation (the room's streamer and moderators): slow mode (0-300 s between one viewer's
   * messages, 0 = off) and the chat modes; only the fields given change.
   */
  async configure(change: Omit<ConfigureRequest, "room">): Promise<RoomSettings> {
    const req = { ...change, room: this.id };
    const res = await this.runner.run(() => this.host.requests.send("room:configure", req, this.host.ackTimeoutMs));
    // Members are told with room:settings, we included; the ack may come first.
    if (this.current !== "left") this.feed.settings(res.settings);
    return res.settings;
  }

  /** Moderation (the room's streamer): bans a user id here, until lifted or for `durationSec`; resolves with when it ends (null: until lifted). */
  async ban(userId: string, durationSec?: number): Promise<number | null> {
    const req = durationSec === undefined ? { room: this.id, userId } : { room: this.id, userId, durationSec };
    const { until } = await this.runner.run(() => this.host.requests.send("user:ban", req, this.host.ackTimeoutMs));
    return until;
  }

  /** Moderation (the room's streamer): lifts a ban; false when there was none. */
  async unban(userId: string): Promise<boolean> {
    const { lifted } = await this.runner.run(() => this.host.requests.send("user:unban", { room: this.id, userId }, this.host.ackTimeoutMs));
    return lifted;
  }

  /** Moderation (the room's streamer): clears the chat for everyone; resolves with the clear marker's id. */
  async clear(): Promise<string> {
    const { id } = await this.runner.run(() => this.host.requests.send("chat:clear", { room: this.id }, this.host.ackTimeoutMs));
    // The server tells everyone else, not us.
    if (this.current !== "left") this.feed.clearedByUs(id);
    return id;
  }

  /** Writes the snapshot and `since` to storage now (e.g. when the page goes away). */
  persist(): void {
    this.host.clock.clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    // The newest snapshotSize only: pages loaded with loadOlder are not kept for the next load.
    this.host.storage.saveRoom(this.id, { lastId: this.timeline.lastId, messages: this.view.messages.slice(-this.opts.snapshotSize) });
  }

  // --- from the client ---------------------------------------------------------------------------

  /** @internal The connection is up: (re)join if we want to be in the room. */
  handleConnect(): void {
    if (this.current === "joining") this.joiner.start(false);
  }

  /** @internal The outcome of one of our held messages (`chat:held`). */
  handleHeld(outcome: HeldOutcome): void {
    this.outbox.heldOutcome(outcome);
  }

  /** @internal We were banned here: the server removed us from the room; the room fails. */
  handleBanned(until: number | null): void {
    if (!this.listening()) return;
    this.joiner.reset();
    this.emit("banned", { until });
    const message = until === null ? "you are banned from this room" : "you are banned from this room for a while";
    this.fail(new ChatError(until === null ? { code: ErrorCode.Forbidden, message } : { code: ErrorCode.Forbidden, message, retryAfterMs: Math.max(0, until - this.host.clock.now()) }));
  }

  /** @internal The connection dropped: the room is joined again after the reconnect. */
  handleDisconnect(): void {
    this.joiner.reset();
    this.timeline.disconnected();
    if (this.current === "joined") this.setState("joining");
  }

  // --- internals ---------------------------------------------------------------------------------

  private listening(): boolean {
    return this.current === "joining" || this.current === "joined";
  }

  private submit(kind: Outgoing["kind"], text: string, replyTo?: string): Promise<string> {
    if (this.current === "left") return Promise.reject(ChatError.local("closed", `left room ${this.id}`));
    return this.outbox.submit(kind, text, replyTo).done;
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
    this.joiner.start(false);
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
