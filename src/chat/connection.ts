import { sendChat, sendNotice } from "./message-handlers.js";
import { banUser, clearChat, configureRoom, deleteMessage, muteUser, unbanUser } from "./moderation-handlers.js";
import { joinRoom, leaveRoom } from "./room-handlers.js";
import { sharedDispatch, type EventHandler } from "./shared-dispatch.js";
import type { FloodOptions } from "./ack-handler.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";

export interface RateOptions {
  /** Messages (chat:send + notice:send) per second per connection. @default 5 */
  ratePerSec: number;
  /** Messages a connection may send in a burst. @default 10 */
  rateBurst: number;
  flood: FloodOptions;
}

/** Charged to the message bucket. */
export const MESSAGE_EVENTS: Record<string, EventHandler> = { "chat:send": sendChat, "notice:send": sendNotice };
/** Charged to the larger event bucket. */
export const OTHER_EVENTS: Record<string, EventHandler> = {
  "room:join": joinRoom,
  "room:leave": (_deps, socket, payload) => leaveRoom(socket, payload),
  "chat:delete": deleteMessage,
  "user:mute": muteUser,
  "user:ban": banUser,
  "user:unban": unbanUser,
  "chat:clear": clearChat,
  "room:configure": configureRoom,
};

/** Every client event of the protocol, with one listener shared by all connections. */
export function connectionSetup(deps: ChatDeps, rate: RateOptions): (socket: ServerSocket) => void {
  return sharedDispatch(deps, { messageEvents: MESSAGE_EVENTS, otherEvents: OTHER_EVENTS, ...rate });
}
