import { ErrorCode } from "../protocol/index.js";
import { handleAcked, type HandlerHooks } from "./ack-handler.js";
import { sendChat, sendNotice } from "./message-handlers.js";
import { joinRoom, leaveRoom } from "./room-handlers.js";
import { TokenBucket } from "./token-bucket.js";
import type { ChatDeps, ChatSocket } from "./types.js";

export interface RateOptions {
  /** Messages (chat:send + notice:send) per second per connection. @default 5 */
  ratePerSec: number;
  /** Messages a connection may send in a burst. @default 10 */
  rateBurst: number;
}

const KNOWN_EVENTS = new Set(["room:join", "room:leave", "chat:send", "notice:send"]);
/** Joins, leaves and unknown events are cheaper than messages but must not be free either. */
const EVENT_RATE_FACTOR = 4;

/** Sets up one connection: its rate buckets and every client event of PROTOCOL.md. */
export function onConnection(deps: ChatDeps, rate: RateOptions, socket: ChatSocket, hooks: HandlerHooks = {}): void {
  socket.data.sendBucket = new TokenBucket(rate.ratePerSec, rate.rateBurst);
  socket.data.eventBucket = new TokenBucket(rate.ratePerSec * EVENT_RATE_FACTOR, rate.rateBurst * EVENT_RATE_FACTOR);
  const log = deps.logger;
  const { sendBucket, eventBucket } = socket.data;

  handleAcked(socket, "room:join", eventBucket, (p) => joinRoom(deps, socket, p), log, hooks);
  handleAcked(socket, "room:leave", eventBucket, (p) => leaveRoom(socket, p), log, hooks);
  handleAcked(socket, "chat:send", sendBucket, (p) => sendChat(deps, socket, p), log, hooks);
  handleAcked(socket, "notice:send", sendBucket, (p) => sendNotice(deps, socket, p), log, hooks);

  // An event this protocol does not have still gets a clear answer when it asked for one.
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === "string" && KNOWN_EVENTS.has(event)) return;
    const ack = args[args.length - 1];
    hooks.onOutcome?.("unknown", typeof ack === "function" ? ErrorCode.BadRequest : "no_ack");
    if (typeof ack !== "function") return;
    const wait = eventBucket.take();
    ack({
      ok: false,
      error:
        wait > 0
          ? { code: ErrorCode.RateLimited, message: "too many events; slow down", retryAfterMs: wait }
          : { code: ErrorCode.BadRequest, message: `unknown event "${String(event).slice(0, 64)}"` },
    });
  });
}
