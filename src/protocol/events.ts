/**
 * Wire protocol v1 (../shared/PROTOCOL.md) as Socket.IO typed event maps. The server, the browser
 * client, the load generators and the tests all import these types; nothing re-declares an event.
 */
import type { ErrorCode } from "./error-codes.js";

export type Role = "viewer" | "streamer";
export type MessageKind = "chat" | "question";

export interface User {
  id: string;
  name: string;
  role: Role;
}

export interface ChatMessage {
  /** Opaque; ids of one room compare as plain strings in storage order. */
  id: string;
  room: string;
  kind: MessageKind;
  text: string;
  user: User;
  /** Milliseconds since the epoch. */
  ts: number;
  /**
   * Server addition, on live events only: the id of the room's previous stored entry (message or
   * notice), or null for the first. A client whose last id is older has missed something (a
   * broker failover, a network blip) and re-joins with `since` to fill the gap.
   */
  prev?: string | null;
}

export interface Notice {
  id: string;
  room: string;
  text: string;
  user: User;
  ts: number;
  /** Server addition, as on {@link ChatMessage}. */
  prev?: string | null;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Only with `rate_limited`: when a retry may succeed. */
  retryAfterMs?: number;
}

export interface Failure {
  ok: false;
  error: ErrorBody;
}

export type Ack<T extends object> = ({ ok: true } & T) | Failure;

export interface JoinRequest {
  room: string;
  /** The last message id this client saw in that room. */
  since?: string;
}

export interface JoinResult {
  room: string;
  viewers: number;
  recovered: boolean;
  messages: ChatMessage[];
  notice: Notice | null;
}

export interface LeaveRequest {
  room: string;
}

export interface ChatSendRequest {
  room: string;
  text: string;
  kind: MessageKind;
  clientId: string;
}

export interface NoticeSendRequest {
  room: string;
  text: string;
  clientId: string;
}

export interface SendResult {
  id: string;
}

/** Server addition (moderation): a streamer removes a message from the room and its history. */
export interface DeleteRequest {
  room: string;
  id: string;
}

export interface DeleteResult {
  /** False when the message was not (or no longer) in history. */
  deleted: boolean;
}

/** Server addition (moderation): a streamer mutes a user in their room for a while. */
export interface MuteRequest {
  room: string;
  userId: string;
  /** 1 to 86400 seconds. */
  durationSec: number;
}

export interface MuteResult {
  /** Milliseconds since the epoch when the mute ends. */
  until: number;
}

export interface MessageDeleted {
  room: string;
  id: string;
}

export interface ViewerCount {
  room: string;
  count: number;
}

export interface ClientToServerEvents {
  "room:join": (req: JoinRequest, ack: (res: Ack<JoinResult>) => void) => void;
  "room:leave": (req: LeaveRequest, ack: (res: Ack<object>) => void) => void;
  "chat:send": (req: ChatSendRequest, ack: (res: Ack<SendResult>) => void) => void;
  "notice:send": (req: NoticeSendRequest, ack: (res: Ack<SendResult>) => void) => void;
  "chat:delete": (req: DeleteRequest, ack: (res: Ack<DeleteResult>) => void) => void;
  "user:mute": (req: MuteRequest, ack: (res: Ack<MuteResult>) => void) => void;
}

export interface ServerToClientEvents {
  "chat:message": (msg: ChatMessage) => void;
  notice: (notice: Notice) => void;
  "room:viewers": (count: ViewerCount) => void;
  "chat:deleted": (deleted: MessageDeleted) => void;
  "chat:batch": (batch: ChatBatch) => void;
}

/**
 * Opt-in capabilities (protocol v1.1) a client names in its handshake `auth.caps`. A server that
 * does not know one ignores it, and a client that names none is served exactly as protocol v1 says.
 */
export const Capability = {
  /** Receive a room's live entries as `chat:batch` (one packet per room per tick) instead of one `chat:message` / `notice` each. */
  Batch: "batch",
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];

/** Handshake `auth` of the connection. */
export interface HandshakeAuth {
  name?: string;
  token?: string;
  /** Protocol v1.1: capabilities this client supports (unknown ones are ignored). */
  caps?: string[];
  /**
   * Protocol v1.1, anonymous viewers only: the client's own random secret (16-128 characters of
   * `[A-Za-z0-9_-]`, kept across reloads). The server derives a stable anonymous user id from it, so
   * `clientId` retries de-duplicate and mutes hold across reconnects. Without it every connection
   * is a new anonymous user, as in v1.
   */
  session?: string;
}

/** What a room's history holds; clients must ignore kinds they do not know but still record their ids. */
export type EntryKind = MessageKind | "notice";

/**
 * One stored entry of a room as a `chat:batch` carries it (protocol v1.1): a chat message, a
 * question or a notice, with `prev` always present.
 */
export interface BatchEntry {
  id: string;
  kind: EntryKind;
  text: string;
  user: User;
  ts: number;
  /** The id of the room's previous stored entry, or null for the first. */
  prev: string | null;
}

/**
 * Protocol v1.1 (capability `batch`): a room's live entries in history order, one packet per room
 * per tick. Replaces `chat:message` and `notice` for that client; a sender's own entries are
 * left out of its batches (a batch left empty is not sent).
 */
export interface ChatBatch {
  room: string;
  entries: BatchEntry[];
}

/** Claims of a signed token (JWT HS256). */
export interface TokenClaims {
  sub: string;
  name: string;
  role: Role;
  rooms?: string[];
  exp?: number;
}
