/**
 * The wire protocol (docs/protocol.md: v1, server additions, v1.1 capabilities) as Socket.IO typed
 * event maps. The server, the SDK, the browser pages, the load generators and the tests all import
 * these types; nothing re-declares an event. A little past 300 lines: it is the one event map; the
 * moderation team's types live in moderation-events.ts and the shared shapes in common.ts.
 */
import type { Ack, MessageKind, ReplyRef, Role, TokenRole, User } from "./common.js";
import type { HeldSendResult, ModerationClientEvents, ModerationServerEvents } from "./moderation-events.js";

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
   * Server addition: true when the site's backend posted it (HTTP API), not a connected user.
   * `user` is then the name the site gave, with role `streamer`. Absent otherwise.
   */
  system?: true;
  /**
   * Server addition, on live events only: the id of the room's previous stored entry (message or
   * notice), or null for the first. A client whose last id is older has missed something (a
   * broker failover, a network blip) and re-joins with `since` to fill the gap.
   */
  prev?: string | null;
  /** Server addition: the message this one replies to (absent for a message that is no reply). */
  replyTo?: ReplyRef;
}

export interface Notice {
  id: string;
  room: string;
  text: string;
  user: User;
  ts: number;
  /** Server addition, as on {@link ChatMessage}. */
  system?: true;
  /** Server addition, as on {@link ChatMessage}. */
  prev?: string | null;
}

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
  /** Server addition (always sent by this server): the room's current settings. */
  settings?: RoomSettings;
  /** Server addition (always sent by this server): your role in this room. */
  role?: Role;
}

export interface LeaveRequest {
  room: string;
}

export interface ChatSendRequest {
  room: string;
  text: string;
  kind: MessageKind;
  clientId: string;
  /** Server addition: the id of the message (in the same room's history) this one replies to. */
  replyTo?: string;
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

/**
 * Server addition: a room's moderation settings. The chat modes (issue #21) are present only while
 * on, so a room without them carries `{ slowModeSec }` alone, as before.
 */
export interface RoomSettings {
  /** Slow mode: seconds a viewer waits between two messages in the room (0-300; 0 = off). */
  slowModeSec: number;
  /** Only users whose token has the `subscriber` badge may chat (moderators and the streamer too). */
  subscribersOnly?: true;
  /** Only users whose token has `followedAt` at least this many seconds ago may chat (0: any follower). */
  followersOnlySec?: number;
  /** A text identical (case, spacing and invisible characters aside) to one sent in the last 30 s is refused. */
  uniqueChat?: true;
  /** Viewers' messages are held this many seconds (1-10) before they are stored; moderators may remove them first. */
  delaySec?: number;
}

/**
 * Server addition (the room's streamer and moderators): change the room's settings. Only the fields
 * given change (at least one); `followersOnlySec: null`, `delaySec: 0` and `false` turn a mode off.
 */
export interface ConfigureRequest {
  room: string;
  slowModeSec?: number;
  subscribersOnly?: boolean;
  followersOnlySec?: number | null;
  uniqueChat?: boolean;
  delaySec?: number;
}

export interface ConfigureResult {
  settings: RoomSettings;
}

/** Server addition: the room's settings changed (sent to every member). */
export interface RoomSettingsChanged extends RoomSettings {
  room: string;
}

/** Server addition (streamer of the room): ban a user id from the room, until lifted or for a while. */
export interface BanRequest {
  room: string;
  userId: string;
  /** 1 to 2592000 seconds (30 days); absent = until lifted. */
  durationSec?: number;
}

export interface BanResult {
  /** Milliseconds since the epoch when the ban ends, or null: until lifted. */
  until: number | null;
}

export interface UnbanRequest {
  room: string;
  userId: string;
}

export interface UnbanResult {
  /** False when the user was not banned there. */
  lifted: boolean;
}

/** Server addition: sent to each connection of a banned user, which is then removed from the room. */
export interface RoomBanned {
  room: string;
  until: number | null;
}

/** Server addition (streamer of the room): clear the room's chat. */
export interface ClearRequest {
  room: string;
}

export interface ClearResult {
  /** Id of the clear marker stored in the room's history. */
  id: string;
}

/**
 * Server addition: the room's chat was cleared; drop every message with an id below `id`. Sent to
 * protocol v1 clients (batch clients get the marker as a `clear` entry of `chat:batch`). It is an
 * entry of the room's history, so it carries `prev` and its id counts as seen.
 */
export interface ChatCleared {
  room: string;
  id: string;
  /** Who cleared it (the streamer, or the site with `system`). */
  user: User;
  ts: number;
  system?: true;
  prev?: string | null;
}

/**
 * Server addition (issue #20): a page of older history, for a socket in the room. Pages cross from
 * the hot window (Redis) to the archive with no gap and no duplicate.
 */
export interface HistoryRequest {
  room: string;
  /** A message id: only messages older than it. Absent: the newest page. */
  before?: string;
  /** 1 to MAX_HISTORY_PAGE (100). @default 50 */
  limit?: number;
}

export interface HistoryPage {
  /** Chat and question messages, oldest first (notices and clear markers are not messages). */
  messages: ChatMessage[];
  /**
   * False: the start of the room's history (or of what a clear left) is reached, nothing older is
   * shown. True: ask again with `before` = the first message's id (that page may come back empty).
   */
  hasMore: boolean;
}

export interface MessageDeleted {
  room: string;
  id: string;
}

export interface ViewerCount {
  room: string;
  count: number;
}

export interface ClientToServerEvents extends ModerationClientEvents {
  "room:join": (req: JoinRequest, ack: (res: Ack<JoinResult>) => void) => void;
  "room:leave": (req: LeaveRequest, ack: (res: Ack<object>) => void) => void;
  /** A v1 client always gets `{ id }`; `held` only with the capability `held` (see HeldSendResult). */
  "chat:send": (req: ChatSendRequest, ack: (res: Ack<SendResult | HeldSendResult>) => void) => void;
  "notice:send": (req: NoticeSendRequest, ack: (res: Ack<SendResult>) => void) => void;
  "chat:delete": (req: DeleteRequest, ack: (res: Ack<DeleteResult>) => void) => void;
  "user:mute": (req: MuteRequest, ack: (res: Ack<MuteResult>) => void) => void;
  "user:ban": (req: BanRequest, ack: (res: Ack<BanResult>) => void) => void;
  "user:unban": (req: UnbanRequest, ack: (res: Ack<UnbanResult>) => void) => void;
  "chat:clear": (req: ClearRequest, ack: (res: Ack<ClearResult>) => void) => void;
  "room:configure": (req: ConfigureRequest, ack: (res: Ack<ConfigureResult>) => void) => void;
  "room:history": (req: HistoryRequest, ack: (res: Ack<HistoryPage>) => void) => void;
}

export interface ServerToClientEvents extends ModerationServerEvents {
  "chat:message": (msg: ChatMessage) => void;
  notice: (notice: Notice) => void;
  "room:viewers": (count: ViewerCount) => void;
  "chat:deleted": (deleted: MessageDeleted) => void;
  "chat:batch": (batch: ChatBatch) => void;
  "chat:cleared": (cleared: ChatCleared) => void;
  "room:settings": (settings: RoomSettingsChanged) => void;
  "room:banned": (banned: RoomBanned) => void;
}

/**
 * Opt-in capabilities (protocol v1.1) a client names in its handshake `auth.caps`. A server that
 * does not know one ignores it, and a client that names none is served exactly as protocol v1 says.
 */
export const Capability = {
  /** Receive a room's live entries as `chat:batch` (one packet per room per tick) instead of one `chat:message` / `notice` each. */
  Batch: "batch",
  /**
   * A send that moderation holds (delay, review) is acked at once with `{ ok: true, held }`, and its
   * outcome comes later as `chat:held`. Without it the ack waits for the outcome.
   */
  Held: "held",
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

/**
 * What a room's history holds; clients must ignore kinds they do not know but still record their
 * ids. `clear` (server addition) is a marker: the chat before it was cleared (its text is empty).
 */
export type EntryKind = MessageKind | "notice" | "clear";

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
  /** Server addition, as on {@link ChatMessage}. */
  system?: true;
  /** The id of the room's previous stored entry, or null for the first. */
  prev: string | null;
  /** Server addition, as on {@link ChatMessage}. */
  replyTo?: ReplyRef;
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
  role: TokenRole;
  rooms?: string[];
  exp?: number;
  /** Server addition: rooms the user moderates (as if the room's streamer had appointed them). */
  mod?: string[];
  /** Server addition: badges to show with the user's messages (e.g. `subscriber`, `vip`); 1-10 of `[a-z0-9_-]{1,32}`. */
  badges?: string[];
  /** Server addition: when the user followed the stream (seconds since the epoch, as `exp`), for followers-only mode. */
  followedAt?: number;
}
