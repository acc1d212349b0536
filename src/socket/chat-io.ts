/**
 * The Socket.IO server as this chat types it: the protocol's event maps, the commands replicas send
 * each other, and what each connection carries in `socket.data`. Shared by the socket event handlers
 * (src/chat/), the room operations (src/rooms/) and the server assembly; below all of them.
 */
import type { Namespace, Server, Socket } from "socket.io";
import type { VerifiedUser } from "../auth/token.js";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/index.js";
import type { TokenBucket } from "../util/token-bucket.js";

export interface SocketData {
  user: VerifiedUser;
  /** Set (true) only when the client asked for protocol v1.1 batches (`auth.caps`). */
  batch?: boolean;
  /** Set (true) only when the client asked for immediate `held` acks (`auth.caps`: `held`). */
  held?: boolean;
  /**
   * Rooms where this connection's user is an appointed moderator, as its join found (and role
   * changes since): messages there say `moderator` and skip the chat modes. Created when first needed.
   */
  moderates?: Set<string>;
  /** Per-connection message rate (chat:send, notice:send); created at the first message (most viewers never send). */
  sendBucket?: TokenBucket;
  /** Per-connection rate of every other event, so join/leave floods are bounded too; created at the first event. */
  eventBucket?: TokenBucket;
  /** Refusals (rate_limited) in the current flood window; too many disconnects the client. Created at the first refusal. */
  refusals?: { count: number; windowStart: number };
}

/** Commands between replicas (Socket.IO `serverSideEmit`, see src/rooms/replica-commands.ts). */
export interface ServerSideEvents {
  /** Remove `userId`'s local sockets from `room` (banned); answers how many. */
  "chat:ban-kick": (req: { room: string; userId: string; until: number | null }, ack: (removed: number) => void) => void;
  /** Close `userId`'s local connections; answers how many. */
  "chat:disconnect-user": (req: { userId: string }, ack: (closed: number) => void) => void;
  /** The site's blocked terms changed: drop the compiled list; answers 1. */
  "chat:site-terms": (req: Record<string, never>, ack: (done: number) => void) => void;
}

export type ChatIo = Server<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
export type ChatNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
/** One client's connection on the server (the SDK's client side is `ChatSocket`, src/sdk/socket.ts). */
export type ServerSocket = Socket<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
