import {
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
  type UnbanResult,
} from "../protocol/index.js";
import { publicUser } from "../auth/token.js";
import { requireStreamerOf } from "./message-handlers.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";

/**
 * The streamer's tools (server additions), for the streamer of the room only. Each does what the
 * HTTP API's matching route does, through the same {@link ChatDeps.rooms} service, so the effect
 * is the same on every replica.
 */

/** `chat:delete`: removes a message from history; the room gets `chat:deleted` (not this socket). Already gone acks `deleted: false`. */
export async function deleteMessage(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<DeleteResult> {
  const req = parseDelete(payload);
  requireStreamerOf(socket, req.room, "delete messages");
  return { deleted: await deps.rooms.remove(req.room, req.id, socket.id) };
}

/**
 * `user:mute`: their sends ack `forbidden` with `retryAfterMs` until it ends. Anonymous viewers
 * without a session get a new id per connection, so a mute holds for that connection only.
 */
export async function muteUser(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<MuteResult> {
  const req = parseMute(payload);
  requireStreamerOf(socket, req.room, "mute users");
  return { until: await deps.rooms.mute(req.room, req.userId, req.durationSec) };
}

/** `user:ban`: refused sends and joins on every replica until lifted (or for `durationSec`); their sockets leave the room. */
export async function banUser(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<BanResult> {
  const req = parseBan(payload);
  requireStreamerOf(socket, req.room, "ban users");
  const { until } = await deps.rooms.ban(req.room, req.userId, req.durationSec);
  return { until };
}

/** `user:unban`: lifts a ban; `lifted: false` when there was none. */
export async function unbanUser(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<UnbanResult> {
  const req = parseUnban(payload);
  requireStreamerOf(socket, req.room, "lift bans");
  return { lifted: await deps.rooms.unban(req.room, req.userId) };
}

/** `chat:clear`: a clear marker in the room's history; members drop what they show, late joiners do not see it. */
export async function clearChat(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ClearResult> {
  const req = parseClear(payload);
  requireStreamerOf(socket, req.room, "clear the chat");
  return { id: await deps.rooms.clear(req.room, { user: publicUser(socket.data.user), sender: socket.id }) };
}

/** `room:configure`: slow mode (0-300 s); members get `room:settings`. */
export async function configureRoom(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<ConfigureResult> {
  const req = parseConfigure(payload);
  requireStreamerOf(socket, req.room, "change its settings");
  return { settings: await deps.rooms.configure(req.room, { slowModeSec: req.slowModeSec }) };
}
