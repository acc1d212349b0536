/**
 * One Socket.IO connection shared by every room on the page. It owns the connection state and
 * re-joins every open room with `since` after each (re)connect; rooms get their events through a
 * {@link RoomEvents} handler. Sends go out only while connected and joined, because socket.io-client
 * flushes its buffer before the `connect` handlers run, i.e. before any re-join.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import {
  ErrorCode,
  UNAUTHORIZED,
  type Ack,
  type ChatMessage,
  type ChatSendRequest,
  type ClientToServerEvents,
  type DeleteRequest,
  type DeleteResult,
  type MuteRequest,
  type MuteResult,
  type ErrorBody,
  type HandshakeAuth,
  type JoinResult,
  type Notice,
  type NoticeSendRequest,
  type SendResult,
  type ServerToClientEvents,
} from "../protocol/index.js";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "refused";

export interface RoomEvents {
  /** The newest message id this room has seen: `since` of the (re-)join. */
  since(): string | undefined;
  joined(result: JoinResult): void;
  joinFailed(error: ErrorBody): void;
  message(msg: ChatMessage): void;
  notice(notice: Notice): void;
  viewers(count: number): void;
  /** A streamer removed a message (server addition to the protocol: moderation). */
  deleted(id: string): void;
}

export interface ChatSessionOptions {
  /** Server origin. @default the page's own origin */
  url: string | undefined;
  /** How long a send or join waits for its ack before it counts as failed. @default 10000 */
  ackTimeoutMs: number;
  /** Longest wait between reconnection attempts. @default 5000 */
  reconnectDelayMaxMs: number;
}

const defaults: ChatSessionOptions = { url: undefined, ackTimeoutMs: 10_000, reconnectDelayMaxMs: 5_000 };

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type RoomRequestEvent = "chat:send" | "notice:send" | "chat:delete" | "user:mute";
type RequestOf<E extends RoomRequestEvent> = Parameters<ClientToServerEvents[E]>[0];
type AckOf<E extends RoomRequestEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

/** A failure that never reached the server (offline, not joined yet, no ack in time). */
export function localFailure(message: string): ErrorBody {
  return { code: ErrorCode.Unavailable, message };
}

export class ChatSession {
  private readonly opts: ChatSessionOptions;
  private readonly socket: ChatSocket;
  private readonly rooms = new Map<string, { events: RoomEvents; joined: boolean }>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private current: ConnectionState = "connecting";
  private refusedWith: string | undefined;

  constructor(auth: HandshakeAuth, options: Partial<ChatSessionOptions> = {}) {
    this.opts = { ...defaults, ...options } satisfies ChatSessionOptions;
    const socketOptions: Partial<ManagerOptions & SocketOptions> = {
      auth,
      // WebSocket only: no long-polling means no sticky sessions needed behind the load balancer.
      transports: ["websocket"],
      reconnectionDelayMax: this.opts.reconnectDelayMaxMs,
    };
    this.socket = this.opts.url ? io(this.opts.url, socketOptions) : io(socketOptions);
    this.wire();
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Why the server refused the handshake, when the state is `refused`. */
  get refusal(): string | undefined {
    return this.refusedWith;
  }

  /** Connects again after the server (or we) ended the connection; socket.io-client will not. */
  reconnect(): void {
    if (this.socket.connected) return;
    this.setState("connecting");
    this.socket.connect();
  }

  /** Calls `listener` now and on every change. */
  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.current);
    return () => this.stateListeners.delete(listener);
  }

  isJoined(room: string): boolean {
    return this.rooms.get(room)?.joined === true;
  }

  /** Opens a room: joins now if connected, and again after every reconnect. */
  join(room: string, events: RoomEvents): void {
    this.rooms.set(room, { events, joined: false });
    if (this.socket.connected) this.sendJoin(room);
  }

  leave(room: string): void {
    if (!this.rooms.delete(room)) return;
    if (this.socket.connected) this.socket.timeout(this.opts.ackTimeoutMs).emit("room:leave", { room }, () => {});
  }

  sendChat(req: ChatSendRequest): Promise<Ack<SendResult>> {
    return this.request("chat:send", req);
  }

  sendNotice(req: NoticeSendRequest): Promise<Ack<SendResult>> {
    return this.request("notice:send", req);
  }

  /** Moderation (server addition): the room's streamer removes a message. */
  deleteMessage(req: DeleteRequest): Promise<Ack<DeleteResult>> {
    return this.request("chat:delete", req);
  }

  /** Moderation (server addition): the room's streamer mutes a user id for a while. */
  muteUser(req: MuteRequest): Promise<Ack<MuteResult>> {
    return this.request("user:mute", req);
  }

  close(): void {
    this.socket.close();
  }

  /** Emits a room-scoped request and resolves with its ack, or a local failure when it cannot go out. */
  private request<E extends RoomRequestEvent>(event: E, req: RequestOf<E>): Promise<AckOf<E>> {
    const failure = (message: string) => ({ ok: false, error: localFailure(message) }) as AckOf<E>;
    if (!this.socket.connected) return Promise.resolve(failure("not connected"));
    if (!this.isJoined(req.room)) return Promise.resolve(failure("joining the room"));
    // Socket.IO's typed emit cannot follow a generic event name; the maps above keep it typed.
    const emitter = this.socket.timeout(this.opts.ackTimeoutMs) as unknown as {
      emit(event: E, req: RequestOf<E>, ack: (err: Error | null, res?: AckOf<E>) => void): void;
    };
    return new Promise((resolve) => {
      emitter.emit(event, req, (err, res) => {
        resolve(err || !res ? failure("no answer from the server") : res);
      });
    });
  }

  /**
   * Asks a joined room again for everything after `since`, to fill a gap the live stream showed
   * (a `prev` we never saw). Joining a room the socket is in is how the protocol reads history;
   * a failure changes nothing, and the next gap asks again.
   */
  refill(room: string, since: string): void {
    const entry = this.rooms.get(room);
    if (!entry?.joined || !this.socket.connected) return;
    this.socket.timeout(this.opts.ackTimeoutMs).emit("room:join", { room, since }, (err, res) => {
      if (this.rooms.get(room) === entry && entry.joined && !err && res?.ok) entry.events.joined(res);
    });
  }

  private sendJoin(room: string): void {
    const entry = this.rooms.get(room);
    if (!entry) return;
    const since = entry.events.since();
    this.socket.timeout(this.opts.ackTimeoutMs).emit("room:join", since ? { room, since } : { room }, (err, res) => {
      if (this.rooms.get(room) !== entry) return; // left (or re-opened) meanwhile
      if (err || !res) return entry.events.joinFailed(localFailure("no answer to join"));
      if (!res.ok) return entry.events.joinFailed(res.error);
      entry.joined = true;
      entry.events.joined(res);
    });
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private wire(): void {
    const { socket } = this;
    socket.on("connect", () => {
      this.setState("connected");
      for (const room of this.rooms.keys()) this.sendJoin(room);
    });
    socket.on("disconnect", (reason) => {
      for (const entry of this.rooms.values()) entry.joined = false;
      // After our own close or the server's explicit disconnect, socket.io-client does not retry.
      this.setState(reason === "io client disconnect" || reason === "io server disconnect" ? "offline" : "reconnecting");
    });
    socket.on("connect_error", (err) => {
      if (err.message === UNAUTHORIZED || err.message.startsWith(ErrorCode.BadRequest)) {
        // A refused token or name will not get better by retrying.
        this.refusedWith = err.message;
        socket.disconnect();
        this.setState("refused");
      } else if (this.current !== "offline") {
        this.setState(navigator.onLine ? "reconnecting" : "offline");
      }
    });
    socket.io.on("reconnect_failed", () => this.setState("offline"));
    window.addEventListener("offline", () => this.setState("offline"));
    window.addEventListener("online", () => this.setState(socket.connected ? "connected" : "reconnecting"));

    socket.on("chat:message", (msg) => this.rooms.get(msg.room)?.events.message(msg));
    socket.on("notice", (notice) => this.rooms.get(notice.room)?.events.notice(notice));
    socket.on("room:viewers", ({ room, count }) => this.rooms.get(room)?.events.viewers(count));
    socket.on("chat:deleted", ({ room, id }) => this.rooms.get(room)?.events.deleted(id));
  }
}
