import {
  ErrorCode,
  ProtocolError,
  parseBan,
  parseClear,
  parseConfigure,
  parseDelete,
  parseMute,
  parseUnban,
  type BanResult,
  type ClearResult,
  type ConfigureResult,
  type DeleteResult,
  type MuteResult,
  type Role,
  type UnbanResult,
} from "../protocol/index.js";
import { publicUser } from "../auth/token.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";
import { actorOf, authorize } from "./room-roles.js";

/**
 * The room's moderation tools (server additions), for its streamer and moderators (the table in
 * src/moderation/permissions.ts). Each does what the HTTP API's matching route does, through the
 * same {@link ChatDeps.rooms} service, so the effect is the same on every replica; each is
 * recorded in the room's moderation log.
 */

/** A moderator may not mute or ban another moderator (the streamer may, or removes them first). */
async function requireTargetable(deps: ChatDeps, room: string, role: Role, userId: string): Promise<void> {
  if (role === "moderator" && (await deps.moderation.service.isModerator(room, userId))) {
    throw new ProtocolError(ErrorCode.Forbidden, "moderators cannot mute or ban another moderator");
  }
}

/** `chat:delete`: removes a message from history; the room gets `chat:deleted` (not this socket). Already gone acks `deleted: false`. */
export async function deleteMessage(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<DeleteResult> {
  const req = parseDelete(payload);
  const role = await authorize(deps, socket, req.room, "delete");
  return { deleted: await deps.rooms.remove(req.room, req.id, socket.id, actorOf(socket, role)) };
}

/**
 * `user:mute`: their sends ack `forbidden` with `retryAfterMs` until it ends. Anonymous viewers
 * without a session get a new id per connection, so a mute holds for that connection only.
 */
export async function muteUser(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<MuteResult> {
  const req = parseMute(payload);
  const role = await authorize(deps, socket, req.room, "mute");
  await requireTargetable(deps, req.room, role, req.userId);
  return { until: await deps.rooms.mute(req.room, req.userId, req.durationSec, actorOf(socket, role)) };
}

/** `user:ban`: refused sends and joins on every replica until lifted (or for `durationSec`); their sockets leave the room. */
export async function banUser(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<BanResult> {
  const req = parseBan(payload);
  const role = await authorize(deps, socket, req.room, "ban");
  await requireTargetable(deps, req.room, role, req.userId);
  const { until } = await deps.rooms.ban(req.room, req.userId, req.durationSec, actorOf(socket, role));
  return { until };
}

/** `user:unban`: lifts a ban; `lifted: false` when there was none. */
export async function unbanUser(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<UnbanResult> {
  const req = parseUnban(payload);
  const role = await authorize(deps, socket, req.room, "unban");
  return { lifted: await deps.rooms.unban(req.room, req.userId, actorOf(socket, role)) };
}

/** `chat:clear`: a clear marker in the room's history; members drop what they show, late joiners do not see it. */
export async function clearChat(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ClearResult> {
  const req = parseClear(payload);
  const role = await authorize(deps, socket, req.room, "clear");
  return { id: await deps.rooms.clear(req.room, { user: publicUser(socket.data.user, role), sender: socket.id }) };
}

/** `room:configure`: slow mode (0-300 s) and the chat modes, the fields given; members get `room:settings`. */
export async function configureRoom(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ConfigureResult> {
  const { room, ...change } = parseConfigure(payload);
  const role = await authorize(deps, socket, room, "configure");
  return { settings: await deps.rooms.configure(room, change, actorOf(socket, role)) };
}
