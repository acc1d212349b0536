import {
  ErrorCode,
  ProtocolError,
  parseChatSend,
  parseNoticeSend,
  type SendResult,
} from "../protocol/index.js";
import type { AppendOutcome, StoredKind } from "../store/message-store.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";
import { publicUser, type VerifiedUser } from "../auth/token.js";

export function requireJoined(socket: ServerSocket, room: string): void {
  if (!socket.rooms.has(room)) {
    throw new ProtocolError(ErrorCode.NotJoined, `join room "${room}" before sending to it`);
  }
}

/** Whether the user is the streamer who owns `room` (per its token, while the token lasts). */
export function isStreamerOf(user: VerifiedUser, room: string, now = Date.now()): boolean {
  return user.role === "streamer" && user.rooms.includes(room) && (user.expiresAt === undefined || now < user.expiresAt);
}

/**
 * Only the streamer who owns `room` (per its token) may moderate it or post notices to it; once
 * the token has expired, not even on the connection it opened.
 */
export function requireStreamerOf(socket: ServerSocket, room: string, what: string): void {
  const user = socket.data.user;
  if (user.role === "streamer" && user.expiresAt !== undefined && Date.now() >= user.expiresAt) {
    throw new ProtocolError(ErrorCode.Forbidden, `your token has expired: reconnect with a new one to ${what}`);
  }
  if (!isStreamerOf(user, room)) {
    throw new ProtocolError(ErrorCode.Forbidden, `only the streamer of "${room}" may ${what}`);
  }
}

/** The error a refused send acks with (nothing was stored). */
function refusal(outcome: AppendOutcome): ProtocolError {
  if (outcome.mutedForMs !== undefined) return new ProtocolError(ErrorCode.Forbidden, "you are muted in this room", outcome.mutedForMs);
  switch (outcome.refused) {
    case "banned":
      return new ProtocolError(ErrorCode.Forbidden, "you are banned from this room", outcome.retryAfterMs);
    case "closed":
      return new ProtocolError(ErrorCode.Forbidden, "this room is not open: its streamer has not opened it");
    case "slow_mode":
      return new ProtocolError(ErrorCode.RateLimited, "slow mode is on in this room: wait before your next message", outcome.retryAfterMs);
    default:
      return new ProtocolError(ErrorCode.BadRequest, "this clientId was used for another message");
  }
}

/**
 * The send path shared by chat and notices: stored with whatever else this replica sends to the
 * room within the tick (dedup, ban, mute and slow-mode checks in the same atomic step); the store publishes it to
 * every replica once durable, and each delivers it to the room except this socket. An ok ack means
 * stored (on the shard's replica too, when it has one); a retried clientId acks the first id.
 */
async function store(deps: ChatDeps, socket: ServerSocket, req: { room: string; text: string; clientId: string }, kind: StoredKind): Promise<SendResult> {
  const user = socket.data.user;
  const outcome = await deps.sends.submit(req.room, {
    kind,
    text: req.text,
    user: publicUser(user),
    dedupKey: dedupKeyOf(user, req.clientId),
    sender: socket.id,
    // The room's streamer is not held to bans, mutes or slow mode in their own room.
    exempt: isStreamerOf(user, req.room),
  });
  if (outcome.id === undefined) throw refusal(outcome);
  if (!outcome.duplicate) deps.metrics?.broadcast.inc({ event: kind === "notice" ? "notice:send" : "chat:send" });
  return { id: outcome.id };
}

/**
 * The dedup key of a send. Per user when the user id outlives the connection (token users, and
 * anonymous clients that keep a session secret): someone else's predictable clientId can then
 * suppress nothing of yours. A plain v1 anonymous client gets a new user id per connection, so its
 * retry after a reconnect could not be matched by user: its key stays per room, as v1 says.
 */
export function dedupKeyOf(user: VerifiedUser, clientId: string): string {
  return user.ephemeral ? `a:${clientId}` : `u:${user.id}:${clientId}`;
}

/** `chat:send`: a viewer's or streamer's message (kind chat or question) to a joined room. */
export async function sendChat(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<SendResult> {
  const req = parseChatSend(payload, deps.limits.messageMaxLength);
  requireJoined(socket, req.room);
  return store(deps, socket, req, req.kind);
}

/** `notice:send`: for the streamer of that room only; it replaces the room's current notice. */
export async function sendNotice(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<SendResult> {
  const req = parseNoticeSend(payload, deps.limits.messageMaxLength);
  requireStreamerOf(socket, req.room, "post notices");
  requireJoined(socket, req.room);
  return store(deps, socket, req, "notice");
}
