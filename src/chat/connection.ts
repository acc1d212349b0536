import { ErrorCode } from "../protocol/index.js";
import { admit, handleAcked, type FloodOptions } from "./ack-handler.js";
import { sendChat, sendNotice } from "./message-handlers.js";
import { deleteMessage, muteUser } from "./moderation-handlers.js";
import { joinRoom, leaveRoom } from "./room-handlers.js";
import { TokenBucket } from "./token-bucket.js";
import type { ChatDeps, ChatSocket } from "./types.js";

export interface RateOptions {
  /** Messages (chat:send + notice:send) per second per connection. @default 5 */
  ratePerSec: number;
  /** Messages a connection may send in a burst. @default 10 */
  rateBurst: number;
  flood: FloodOptions;
}

/** Joins, leaves, moderation and unknown events are cheaper than messages but not free either. */
const EVENT_RATE_FACTOR = 4;

type Handler = (deps: ChatDeps, socket: ChatSocket, payload: unknown) => Promise<object>;

const MESSAGE_EVENTS: Record<string, Handler> = { "chat:send": sendChat, "notice:send": sendNotice };
const OTHER_EVENTS: Record<string, Handler> = {
  "room:join": joinRoom,
  "room:leave": (_deps, socket, payload) => leaveRoom(socket, payload),
  "chat:delete": deleteMessage,
  "user:mute": muteUser,
};

/** Sets up one connection: its rate buckets and every client event of the protocol. */
export function onConnection(deps: ChatDeps, rate: RateOptions, socket: ChatSocket): void {
  const sendBucket = new TokenBucket(rate.ratePerSec, rate.rateBurst);
  const eventBucket = new TokenBucket(rate.ratePerSec * EVENT_RATE_FACTOR, rate.rateBurst * EVENT_RATE_FACTOR);
  socket.data.refusals = { count: 0, windowStart: Date.now() };
  for (const [event, handler] of Object.entries(MESSAGE_EVENTS)) {
    handleAcked(deps, socket, event, sendBucket, rate.flood, (p) => handler(deps, socket, p));
  }
  for (const [event, handler] of Object.entries(OTHER_EVENTS)) {
    handleAcked(deps, socket, event, eventBucket, rate.flood, (p) => handler(deps, socket, p));
  }

  // An event this protocol does not have still gets a clear answer when it asked for one.
  socket.onAny((event: unknown, ...args: unknown[]) => {
    // Object.hasOwn, not `in`: "constructor" and "__proto__" are in every object.
    if (typeof event === "string" && (Object.hasOwn(MESSAGE_EVENTS, event) || Object.hasOwn(OTHER_EVENTS, event))) return;
    const ack = args[args.length - 1];
    if (typeof ack !== "function") {
      deps.metrics?.rejected.inc({ event: "unknown", code: "no_ack" });
      return;
    }
    if (!admit(deps, socket, "unknown", eventBucket, ack as (r: unknown) => void, rate.flood)) return;
    deps.metrics?.rejected.inc({ event: "unknown", code: ErrorCode.BadRequest });
    ack({ ok: false, error: { code: ErrorCode.BadRequest, message: `unknown event "${String(event).slice(0, 64)}"` } });
  });
}
