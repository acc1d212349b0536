import {
  ErrorCode,
  ProtocolError,
  parseChatSend,
  parseNoticeSend,
  type SendResult,
} from "../protocol/index.js";
import type { StoredKind } from "../store/message-store.js";
import type { ChatDeps, ChatSocket } from "./types.js";
import { publicUser, toChatMessage, toNotice } from "./wire.js";

export function requireJoined(socket: ChatSocket, room: string): void {
  if (!socket.rooms.has(room)) {
    throw new ProtocolError(ErrorCode.NotJoined, `join room "${room}" before sending to it`);
  }
}

/** Only the streamer who owns `room` (per its token) may moderate it or post notices to it. */
export function requireStreamerOf(socket: ChatSocket, room: string, what: string): void {
  const user = socket.data.user;
  if (user.role !== "streamer" || !user.rooms.includes(room)) {
    throw new ProtocolError(ErrorCode.Forbidden, `only the streamer of "${room}" may ${what}`);
  }
}

/**
 * The send path shared by chat and notices: store (mute check and dedup by clientId in the same
 * atomic step), then broadcast to everyone else in the room unless it was a retry, then ack.
 * An ok ack means stored; a retried clientId acks the first id and broadcasts nothing.
 */
async function storeAndBroadcast(
  deps: ChatDeps,
  socket: ChatSocket,
  req: { room: string; text: string; clientId: string },
  kind: StoredKind,
): Promise<SendResult> {
  const res = await deps.store.append({
    room: req.room,
    kind,
    text: req.text,
    user: publicUser(socket.data.user),
    clientId: req.clientId,
  });
  if (res.mutedForMs !== undefined) {
    throw new ProtocolError(ErrorCode.Forbidden, "you are muted in this room", res.mutedForMs);
  }
  const { message, duplicate, prev } = res;
  if (!duplicate) {
    if (kind === "notice") socket.to(req.room).emit("notice", toNotice(message, prev));
    else socket.to(req.room).emit("chat:message", toChatMessage(message, prev));
    deps.metrics?.broadcast.inc({ event: kind === "notice" ? "notice:send" : "chat:send" });
  }
  return { id: message.id };
}

/** `chat:send`: a viewer's or streamer's message (kind chat or question) to a joined room. */
export async function sendChat(deps: ChatDeps, socket: ChatSocket, payload: unknown): Promise<SendResult> {
  const req = parseChatSend(payload, deps.limits.messageMaxLength);
  requireJoined(socket, req.room);
  return storeAndBroadcast(deps, socket, req, req.kind);
}

/** `notice:send`: for the streamer of that room only; it replaces the room's current notice. */
export async function sendNotice(deps: ChatDeps, socket: ChatSocket, payload: unknown): Promise<SendResult> {
  const req = parseNoticeSend(payload, deps.limits.messageMaxLength);
  requireStreamerOf(socket, req.room, "post notices");
  requireJoined(socket, req.room);
  return storeAndBroadcast(deps, socket, req, "notice");
}
