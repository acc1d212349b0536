import type { Logger } from "pino";
import type { Server, Socket } from "socket.io";
import type { VerifiedUser } from "../auth/token.js";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/index.js";
import type { ChatMetrics } from "../observability/metrics.js";
import type { ViewerCounts } from "../presence/viewer-counts.js";
import type { MessageStore } from "../store/message-store.js";
import type { SendBatcher } from "../delivery/send-batcher.js";
import type { TokenBucket } from "../util/token-bucket.js";
import type { RoomService } from "../rooms/room-service.js";
import type { AbuseControl } from "./abuse-control.js";

export interface SocketData {
  user: VerifiedUser;
  /** Set (true) only when the client asked for protocol v1.1 batches (`auth.caps`). */
  batch?: boolean;
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
}

export type ChatIo = Server<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;

export interface ChatLimits {
  /** @default 500 */
  messageMaxLength: number;
  /** @default 20 */
  maxRoomsPerSocket: number;
}

/** What the event handlers need; passed in, so two servers can live in one process. */
export interface ChatDeps {
  store: MessageStore;
  /** Sends go through here: stored (and published) per room per tick. */
  sends: Pick<SendBatcher, "submit">;
  viewers: ViewerCounts;
  /** Room operations shared with the HTTP API (moderation, settings, clearing). */
  rooms: RoomService;
  limits: ChatLimits;
  logger: Logger;
  /** @default undefined: no metrics */
  metrics?: ChatMetrics;
  /** Limits across one IP's and one user's connections, and the flood penalty. @default none */
  abuse?: AbuseControl;
  /** Resolves when broadcasts to `room` from other replicas reach this one. @default none (one process) */
  roomReady?: (room: string) => Promise<void>;
}
