/**
 * The SDK's entry point: one connection to the chat server, shared by every room it opens.
 *
 *   const client = new ChatClient({ url: "https://chat.example.com", name: "Ada" });
 *   const room = client.room("lobby");
 *   room.on("messages", ({ messages, reset }) => render(messages, reset));
 *   await room.join();
 *   await room.send("hello");
 *
 * It owns the connection state, the handshake (capabilities, token or name, the anonymous session
 * secret) and re-joins every open room with `since` after each reconnect. No DOM: it runs in
 * browsers and in Node 20; storage, clock, network and the socket itself are hooks.
 */
import {
  Capability,
  ErrorCode,
  UNAUTHORIZED,
  isRoomId,
  type HandshakeAuth,
  type User,
} from "../protocol/index.js";
import { defaultBackoff, type BackoffOptions } from "./backoff.js";
import { ChatError } from "./chat-error.js";
import { systemClock, type Clock } from "./clock.js";
import { Emitter } from "./emitter.js";
import type { ClientEvents, ConnectionState } from "./events.js";
import { globalNetwork, type NetworkHook } from "./network.js";
import { randomToken, SESSION_SECRET_LENGTH } from "./random-id.js";
import { Requests } from "./requests.js";
import { defaultRetryPolicy, type RetryPolicy } from "./retry-runner.js";
import { RoomSubscription, type RoomHost, type RoomOptions } from "./room-subscription.js";
import type { TimelineStats } from "./room-timeline.js";
import { socketIo } from "./socket-io.js";
import type { ChatSocket, SocketFactory } from "./socket.js";
import { MemoryStorage, type ChatStorage } from "./storage.js";
import { globalLocalStorage, WebStorage } from "./web-storage.js";

export interface ChatClientOptions {
  /** The chat server's origin, e.g. "https://chat.example.com". @default the page's own origin */
  url: string | undefined;
  /** A signed token (streamers, signed-in viewers). @default undefined: an anonymous viewer */
  token: string | undefined;
  /** Display name of an anonymous viewer. @default undefined: the server makes one up */
  name: string | undefined;
  /**
   * Who we are, for own messages in the rooms' snapshots (the server does not echo them).
   * @default { id: "self", name: name ?? "me", role: "viewer" }
   */
  self: User | undefined;
  /** How long a request waits for its ack before it counts as lost. @default 10000 */
  ackTimeoutMs: number;
  /** Waits between join retries (`unavailable`, a lost ack); merged over the defaults. @default defaultBackoff */
  joinBackoff: Partial<BackoffOptions>;
  /** Retries of sends and moderation requests; merged over the defaults. @default defaultRetryPolicy */
  retry: Partial<RetryPolicy>;
  /** Defaults of every room's options. @default defaultRoomOptions */
  rooms: Partial<RoomOptions>;
  /** Last ids, snapshots and the session secret. @default WebStorage where localStorage works, else MemoryStorage */
  storage: ChatStorage | undefined;
  /** @default systemClock() */
  clock: Clock | undefined;
  /** @default globalNetwork(): the browser's online/offline events, or always online */
  network: NetworkHook | undefined;
  /** Makes the connection. @default socketIo(): socket.io-client, WebSocket only */
  socket: SocketFactory | undefined;
  /** Connect at once; otherwise on {@link ChatClient.connect}. @default true */
  autoConnect: boolean;
}

const defaults: ChatClientOptions = {
  url: undefined,
  token: undefined,
  name: undefined,
  self: undefined,
  ackTimeoutMs: 10_000,
  joinBackoff: defaultBackoff,
  retry: defaultRetryPolicy,
  rooms: {},
  storage: undefined,
  clock: undefined,
  network: undefined,
  socket: undefined,
  autoConnect: true,
};

export class ChatClient extends Emitter<ClientEvents> {
  private readonly opts: ChatClientOptions;
  private readonly clock: Clock;
  private readonly storage: ChatStorage;
  private readonly network: NetworkHook;
  private readonly socket: ChatSocket;
  private readonly requests: Requests;
  private readonly host: RoomHost;
  private readonly open = new Map<string, RoomSubscription>();
  private readonly stopWatching: () => void;
  private current: ConnectionState = "connecting";
  private refusedWith: string | undefined;
  /** The server or we ended the connection: nothing reconnects until {@link connect}. */
  private stopped = false;
  private closed = false;
  /** Refills of rooms since left, so {@link stats} stays a running total. */
  private readonly leftStats: TimelineStats = { refills: 0, suspectedGaps: 0, realGaps: 0 };

  constructor(options: Partial<ChatClientOptions> = {}) {
    const opts = { ...defaults, ...options } satisfies ChatClientOptions;
    const clock = opts.clock ?? systemClock();
    // A listener that throws is reported like an uncaught error, without breaking our state.
    const reportError = (err: unknown) => clock.setTimeout(() => { throw err; }, 0);
    super(reportError);
    this.opts = opts;
    this.clock = clock;
    if (!opts.autoConnect) {
      this.current = "offline";
      this.stopped = true;
    }
    this.storage = opts.storage ?? (globalLocalStorage() ? new WebStorage() : new MemoryStorage());
    this.network = opts.network ?? globalNetwork();
    this.socket = (opts.socket ?? socketIo())({ url: opts.url, auth: () => this.auth() });
    this.requests = new Requests(this.socket, clock);
    this.host = {
      clock,
      storage: this.storage,
      self: opts.self ?? { id: "self", name: opts.name ?? "me", role: "viewer" },
      ackTimeoutMs: opts.ackTimeoutMs,
      joinBackoff: { ...defaultBackoff, ...opts.joinBackoff },
      retryPolicy: { ...defaultRetryPolicy, ...opts.retry },
      requests: this.requests,
      connected: () => this.socket.connected,
      newClientId: () => randomToken(22, () => clock.random()),
      reportError,
      released: (room) => this.release(room),
    };
    this.wire();
    this.stopWatching = this.network.watch((online) => {
      if (!online) this.setState("offline");
      else if (this.current === "offline" && !this.stopped) this.setState(this.socket.connected ? "connected" : "reconnecting");
    });
    if (opts.autoConnect) this.socket.connect();
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Why the server refused the handshake, when the state is "refused" (e.g. "unauthorized"). */
  get refusal(): string | undefined {
    return this.refusedWith;
  }

  /** Refills and gaps over every room this client opened: a healthy room has (almost) no refills. */
  get stats(): TimelineStats {
    const total = { ...this.leftStats };
    for (const room of this.open.values()) {
      total.refills += room.stats.refills;
      total.suspectedGaps += room.stats.suspectedGaps;
      total.realGaps += room.stats.realGaps;
    }
    return total;
  }

  /**
   * The subscription of `room` (the same one until it is left); join it with `join()`.
   * Throws a {@link ChatError} (`bad_request`) for an id the protocol does not allow.
   */
  room(id: string, options: Partial<RoomOptions> = {}): RoomSubscription {
    if (this.closed) throw ChatError.local("closed", "the client is closed");
    if (!isRoomId(id)) throw new ChatError({ code: ErrorCode.BadRequest, message: "room must match ^[A-Za-z0-9_-]{1,64}$" });
    let sub = this.open.get(id);
    if (!sub) {
      sub = new RoomSubscription(id, this.host, { ...this.opts.rooms, ...options });
      this.open.set(id, sub);
    }
    return sub;
  }

  /** The open rooms. */
  get rooms(): RoomSubscription[] {
    return [...this.open.values()];
  }

  /** Connects (again): after `autoConnect: false`, after the server ended the connection, or after "offline". */
  connect(): void {
    if (this.closed || this.socket.connected) return;
    this.refusedWith = undefined;
    this.stopped = false;
    this.setState("connecting");
    this.socket.connect();
  }

  /** Writes every room's snapshot and `since` to storage now (e.g. on `pagehide`). */
  persist(): void {
    for (const room of this.open.values()) room.persist();
  }

  /** Persists, leaves nothing pending and closes the connection for good. */
  close(): void {
    if (this.closed) return;
    this.persist();
    this.closed = true;
    this.stopped = true;
    this.stopWatching();
    for (const room of [...this.open.values()]) room.leave();
    this.requests.failAll("closed", "the client is closed");
    this.socket.disconnect();
    if (this.current !== "refused") this.setState("offline");
  }

  private auth(): HandshakeAuth {
    const auth: HandshakeAuth = { caps: [Capability.Batch, Capability.Held] };
    if (this.opts.token !== undefined) auth.token = this.opts.token;
    else {
      if (this.opts.name !== undefined) auth.name = this.opts.name;
      auth.session = this.session();
    }
    return auth;
  }

  /** The anonymous session secret: made once, kept in storage, so retries and mutes hold across reconnects. */
  private session(): string {
    let secret = this.storage.loadSession();
    if (secret === undefined || !/^[A-Za-z0-9_-]{16,128}$/.test(secret)) {
      secret = randomToken(SESSION_SECRET_LENGTH, () => this.clock.random());
      this.storage.saveSession(secret);
    }
    return secret;
  }

  private release(room: RoomSubscription): void {
    if (this.open.get(room.id) !== room) return;
    this.open.delete(room.id);
    this.leftStats.refills += room.stats.refills;
    this.leftStats.suspectedGaps += room.stats.suspectedGaps;
    this.leftStats.realGaps += room.stats.realGaps;
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    this.emit("state", { state, previous });
  }

  private wire(): void {
    const { socket } = this;
    const room = (id: string) => this.open.get(id);
    socket.on("connect", () => {
      this.setState(this.network.online() ? "connected" : "offline");
      for (const r of [...this.open.values()]) r.handleConnect();
    });
    socket.on("disconnect", (reason) => {
      for (const r of this.open.values()) r.handleDisconnect();
      this.requests.failAll("disconnected", `connection lost (${reason})`);
      if (this.closed) return;
      // After our own close or the server's explicit disconnect, socket.io-client does not retry.
      if (reason === "io client disconnect" || reason === "io server disconnect") this.stopped = true;
      this.setState(this.stopped || !this.network.online() ? "offline" : "reconnecting");
    });
    socket.on("connect_error", (err) => {
      if (err.message === UNAUTHORIZED || err.message.startsWith(ErrorCode.BadRequest)) {
        // A refused token or name does not get better by retrying.
        this.refusedWith = err.message;
        this.stopped = true;
        socket.disconnect();
        this.setState("refused");
      } else if (this.current !== "offline" && this.current !== "refused") {
        this.setState(this.network.online() ? "reconnecting" : "offline");
      }
    });
    socket.on("reconnect_failed", () => {
      this.stopped = true;
      this.setState("offline");
    });
    socket.on("chat:message", (msg) => room(msg.room)?.feed.message(msg));
    socket.on("notice", (notice) => room(notice.room)?.feed.notice(notice));
    socket.on("chat:batch", (batch) => room(batch.room)?.feed.batch(batch.entries));
    socket.on("room:viewers", ({ room: id, count }) => room(id)?.feed.viewers(count));
    socket.on("chat:deleted", ({ room: id, id: messageId }) => room(id)?.feed.deleted(messageId));
    socket.on("chat:cleared", (cleared) => room(cleared.room)?.feed.cleared(cleared));
    socket.on("room:settings", ({ room: id, ...settings }) => room(id)?.feed.settings(settings));
    socket.on("room:banned", ({ room: id, until }) => room(id)?.handleBanned(until));
    socket.on("chat:held", (outcome) => room(outcome.room)?.handleHeld(outcome));
    socket.on("room:role", ({ room: id, role }) => room(id)?.feed.role(role));
    socket.on("mod:held", ({ room: id, messages }) => room(id)?.moderation.feed("held", { messages }));
    socket.on("mod:resolved", ({ room: id, items }) => room(id)?.moderation.feed("resolved", { items }));
    socket.on("mod:report", ({ room: id, report }) => room(id)?.moderation.feed("report", { report }));
    socket.on("mod:log", ({ room: id, entry }) => room(id)?.moderation.feed("log", { entry }));
    socket.on("mod:moderators", ({ room: id, moderators }) => room(id)?.moderation.feed("moderators", { moderators }));
    socket.on("mod:terms", ({ room: id, terms }) => room(id)?.moderation.feed("terms", { terms }));
  }
}
