import { ErrorCode, ProtocolError, parseHistory, type HistoryPage } from "../protocol/index.js";
import { toChatMessage } from "../delivery/wire-entries.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";

/**
 * `room:history` (issue #20): a page of older messages for a socket in the room, seamless across
 * the hot window and the archive (RoomHistory.older). Only members read a room's history, as only
 * members send to it; the join ack stays the latest page, so this is how a reader scrolls back.
 */
export async function loadHistory(deps: ChatDeps, socket: ServerSocket, payload: unknown): Promise<HistoryPage> {
  const { room, before, limit } = parseHistory(payload);
  if (!socket.rooms.has(room)) throw new ProtocolError(ErrorCode.NotJoined, `join room "${room}" before reading its history`);
  const page = await deps.rooms.older(room, before, limit);
  return { messages: page.messages.map((m) => toChatMessage(m)), hasMore: page.hasMore };
}
