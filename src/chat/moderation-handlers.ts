import { parseDelete, parseMute, type DeleteResult, type MuteResult } from "../protocol/index.js";
import { requireStreamerOf } from "./message-handlers.js";
import type { ChatDeps, ChatSocket } from "./types.js";

/**
 * `chat:delete` (server addition): the room's streamer removes a message from history and every
 * member is told with `chat:deleted`. Deleting what is already gone acks `deleted: false`.
 */
export async function deleteMessage(deps: ChatDeps, socket: ChatSocket, payload: unknown): Promise<DeleteResult> {
  const req = parseDelete(payload);
  requireStreamerOf(socket, req.room, "delete messages");
  const deleted = await deps.store.remove(req.room, req.id);
  if (deleted) {
    socket.to(req.room).emit("chat:deleted", { room: req.room, id: req.id });
    deps.metrics?.broadcast.inc({ event: "chat:delete" });
  }
  return { deleted };
}

/**
 * `user:mute` (server addition): the room's streamer mutes a user id in that room; their sends
 * ack `forbidden` with `retryAfterMs` until it ends. Anonymous viewers get a new id per
 * connection, so a mute holds for signed-in (token) users and for the anonymous connection only.
 */
export async function muteUser(deps: ChatDeps, socket: ChatSocket, payload: unknown): Promise<MuteResult> {
  const req = parseMute(payload);
  requireStreamerOf(socket, req.room, "mute users");
  return { until: await deps.store.mute(req.room, req.userId, req.durationSec) };
}
