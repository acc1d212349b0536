import {
  ErrorCode,
  ProtocolError,
  parseChatSend,
  parseNoticeSend,
  type SendResult,
} from "../protocol/index.js";
import type { ChatDeps, ChatSocket } from "./types.js";
import { publicUser, toChatMessage, toNotice } from "./wire.js";

function requireJoined(socket: ChatSocket, room: string): void {
  if (!socket.rooms.has(room)) {
    throw new ProtocolError(ErrorCode.NotJoined, `join room "${room}" before sending to it`);
  }
}

/**
 * `chat:send`: validate, store (dedup by clientId), broadcast to everyone else in the room, ack.
 * An ok ack means stored; a retried clientId acks the first id and broadcasts nothing.
 */
export async function sendChat(deps: ChatDeps, socket: ChatSocket, payload: unknown): Promise<SendResult> {
  const req = parseChatSend(payload, deps.limits.messageMaxLength);
  requireJoined(socket, req.room);
  const user = socket.data.user;
  const { message, duplicate } = await deps.store.append({
    room: req.room,
    kind: req.kind,
    text: req.text,
    user: publicUser(user),
    clientId: req.clientId,
  });
  if (!duplicate) socket.to(req.room).emit("chat:message", toChatMessage(message));
  return { id: message.id };
}

/** `notice:send`: like chat, for the streamer of that room only; it replaces the current notice. */
export async function sendNotice(deps: ChatDeps, socket: ChatSocket, payload: unknown): Promise<SendResult> {
  const req = parseNoticeSend(payload, deps.limits.messageMaxLength);
  const user = socket.data.user;
  if (user.role !== "streamer" || !user.rooms.includes(req.room)) {
    throw new ProtocolError(ErrorCode.Forbidden, `only the streamer of "${req.room}" may post notices`);
  }
  requireJoined(socket, req.room);
  const { message, duplicate } = await deps.store.append({
    room: req.room,
    kind: "notice",
    text: req.text,
    user: publicUser(user),
    clientId: req.clientId,
  });
  if (!duplicate) socket.to(req.room).emit("notice", toNotice(message));
  return { id: message.id };
}
