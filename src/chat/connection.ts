import { sendChat, sendNotice } from "./message-handlers.js";
import { banUser, clearChat, configureRoom, deleteMessage, muteUser, unbanUser } from "./moderation-handlers.js";
import {
  addModerator,
  addTerm,
  approveHeld,
  denyHeld,
  dismissReport,
  listLog,
  listModerators,
  listQueue,
  listTerms,
  removeModerator,
  removeTerm,
  reportMessage,
} from "./moderation-team-handlers.js";
import { joinRoom, leaveRoom } from "./room-handlers.js";
import { loadHistory } from "./history-handlers.js";
import { sharedDispatch, type EventRoute } from "./shared-dispatch.js";
import type { ClientToServerEvents } from "../protocol/index.js";
import { defaultFloodOptions, type FloodOptions } from "./ack-handler.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";

export interface RateOptions {
  /** Messages (chat:send + notice:send) per second per connection. @default 5 */
  ratePerSec: number;
  /** Messages a connection may send in a burst. @default 10 */
  rateBurst: number;
  /** When a rate-limited client is disconnected as a flood. @default 50 refusals per 10 s */
  flood: FloodOptions;
}

export const defaultRateOptions: RateOptions = { ratePerSec: 5, rateBurst: 10, flood: defaultFloodOptions };

/** What event `E`'s handler resolves with: the ok payload of its ack, without `ok`. */
type AckResult<E extends keyof ClientToServerEvents> = Omit<Extract<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0], { ok: true }>, "ok">;

/**
 * Every client event of the protocol, its handler and its rate bucket. Typed against the protocol's
 * event map: an event without a route, or a handler that does not resolve with its ack's result,
 * does not compile.
 */
export const CLIENT_EVENTS = {
  "chat:send": { bucket: "message", handle: sendChat },
  "notice:send": { bucket: "message", handle: sendNotice },
  "room:join": { bucket: "event", handle: joinRoom },
  "room:leave": { bucket: "event", handle: (_deps, socket, payload) => leaveRoom(socket, payload) },
  "chat:delete": { bucket: "event", handle: deleteMessage },
  "user:mute": { bucket: "event", handle: muteUser },
  "user:ban": { bucket: "event", handle: banUser },
  "user:unban": { bucket: "event", handle: unbanUser },
  "chat:clear": { bucket: "event", handle: clearChat },
  "room:configure": { bucket: "event", handle: configureRoom },
  "room:history": { bucket: "event", handle: loadHistory },
  "chat:report": { bucket: "event", handle: reportMessage },
  "mod:add": { bucket: "event", handle: addModerator },
  "mod:remove": { bucket: "event", handle: removeModerator },
  "mod:list": { bucket: "event", handle: listModerators },
  "queue:list": { bucket: "event", handle: listQueue },
  "held:approve": { bucket: "event", handle: approveHeld },
  "held:deny": { bucket: "event", handle: denyHeld },
  "report:dismiss": { bucket: "event", handle: dismissReport },
  "terms:list": { bucket: "event", handle: listTerms },
  "terms:add": { bucket: "event", handle: addTerm },
  "terms:remove": { bucket: "event", handle: removeTerm },
  "log:list": { bucket: "event", handle: listLog },
} satisfies { [E in keyof ClientToServerEvents]: EventRoute<AckResult<E>> };

/** Every client event of the protocol, with one listener shared by all connections. */
export function connectionSetup(deps: ChatDeps, rate: RateOptions): (socket: ServerSocket) => void {
  return sharedDispatch(deps, { events: CLIENT_EVENTS, ...rate });
}
