import {
  ErrorCode,
  ProtocolError,
  parseChatSend,
  parseNoticeSend,
  type SendResult,
} from "../protocol/index.js";
import type { MessageDraft } from "../store/message-store.js";
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

/** Stores a draft; a muted author gets `forbidden` with the time left. */
async function store(deps: ChatDeps, draft: MessageDraft) {
  const res = await deps.store.append(draft);
  if (res.mutedForMs !== undefined) {
    throw new ProtocolError(ErrorCode.Forbidden, "you are muted in this room", res.mutedForMs);
  }
  return res;
}

/**
 * `chat:send`: validate, store (dedup by clientId), broadcast to everyone else in the room, ack.
 * An ok ack means stored; a retried clientId acks the first id and broadcasts nothing.
 */
export async function sendChat(deps: ChatDeps, socket: ChatSocket, payload: unknown): Promise<SendResult> {
  const req = parseChatSend(payload, deps.limits.messageMaxLength);
  requireJoined(socket, req.room);
  const { message, duplicate, prev } = await store(deps, {
    room: req.room,
    kind: req.kind,
    text: req.text,
    user: publicUser(socket.data.user),
    clientId: req.clientId,
  });
  if (!duplicate) {
    socket.to(req.room).emit("chat:message", toChatMessage(message, prev));
    deps.metrics?.broadcast.inc({ event: "chat:send" });
  }
  return { id: message.id };
}

/** `notice:send`: like chat, for the streamer of that room only; it replaces the current notice. */
export async function sendNotice(deps: ChatDeps, socket: ChatSocket, payload: unknown): Promise<SendResult> {
  const req = parseNoticeSend(payload, deps.limits.messageMaxLength);
  requireStreamerOf(socket, req.room, "post notices");
  requireJoined(socket, req.room);
  const { message, duplicate, prev } = await store(deps, {
    room: req.room,
    kind: "notice",
    text: req.text,
    user: publicUser(socket.data.user),
    clientId: req.clientId,
  });
  if (!duplicate) {
    socket.to(req.room).emit("notice", toNotice(message, prev));
    deps.metrics?.broadcast.inc({ event: "notice:send" });
  }
  return { id: message.id };
}
