import { ErrorCode, ProtocolError } from "../protocol/index.js";
import { toErrorBody } from "../rooms/error-body.js";
import { admit, clientAddress, type AckFn, type FloodOptions } from "./ack-handler.js";
import { TokenBucket } from "../util/token-bucket.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";

/** A client event's work, resolving with its ack's ok payload; the ack discipline around it is the dispatcher's. */
export type EventHandler<R extends object = object> = (deps: ChatDeps, socket: ServerSocket, payload: unknown) => Promise<R>;

/** How one client event is handled and which rate bucket it is charged to. */
export interface EventRoute<R extends object = object> {
  /** `message`: the message bucket (chat:send, notice:send); `event`: the 4x larger one (joins, leaves, moderation). */
  bucket: "message" | "event";
  handle: EventHandler<R>;
}

export interface DispatchOptions {
  /** Routes by event name. Any other name is an unknown event: charged to the event bucket, acked `bad_request`. */
  events: Readonly<Record<string, EventRoute>>;
  /** Messages per second per connection (RateOptions). */
  ratePerSec: number;
  /** Burst of the message bucket (RateOptions). */
  rateBurst: number;
  flood: FloodOptions;
}

/** Joins, leaves, moderation and unknown events are cheaper than messages but not free either. */
const EVENT_RATE_FACTOR = 4;

/**
 * The connection setup: one listener function shared by every socket.
 *
 * Why: registering each event with `socket.on(event, closure)` costs every idle viewer a closure
 * and a context per event plus an `_events` table in dictionary mode: 3.3 KB of heap per
 * connection, a third of what stock Socket.IO needs for the whole connection (measured by
 * `npm run bench:memory`: 14.0 KB with per-socket closures, 10.8 KB shared, 10.5 KB stock).
 * Socket.IO calls `onAny` listeners with `this` = the socket, so one function serves them all,
 * and the only per-socket state left is the two buckets and the refusal window in `socket.data`,
 * each created when first needed.
 *
 * The ack discipline: the bucket is charged first, for every packet; a call without an ack is then dropped;
 * success acks `{ ok: true, ...result }`, failure `{ ok: false, error }`; unknown events that ask
 * for an ack get `bad_request`.
 */
export function sharedDispatch(deps: ChatDeps, options: DispatchOptions): (socket: ServerSocket) => void {
  const { events, flood } = options;

  function dispatch(this: ServerSocket, event: unknown, ...args: unknown[]): void {
    const socket = this;
    const name = typeof event === "string" ? event : "";
    // Object.hasOwn, not `in`: "constructor" and "__proto__" are in every object.
    const route = Object.hasOwn(events, name) ? events[name] : undefined;
    const isMessage = route?.bucket === "message";
    const handler = route?.handle;
    const label = handler ? name : "unknown";
    const ack = args[args.length - 1];
    const reply = typeof ack === "function" ? (ack as AckFn) : undefined;
    // Created on first use: an idle viewer keeps no rate state at all.
    const data = socket.data;
    const bucket = isMessage
      ? (data.sendBucket ??= new TokenBucket(options.ratePerSec, options.rateBurst))
      : (data.eventBucket ??= new TokenBucket(options.ratePerSec * EVENT_RATE_FACTOR, options.rateBurst * EVENT_RATE_FACTOR));
    // Counted before the bucket, as before: "received" includes the rate-limited ones.
    if (handler && reply) deps.metrics?.received.inc({ event: name });
    // Every packet is charged, ack or not: a client that never asks for acks must not get a free
    // lane (a no-ack flood is cut off like any other).
    if (!admit(deps, socket, label, bucket, reply, flood)) return;
    if (!reply) {
      deps.metrics?.rejected.inc({ event: label, code: "no_ack" });
      return;
    }
    if (!handler) {
      deps.metrics?.rejected.inc({ event: label, code: ErrorCode.BadRequest });
      reply({ ok: false, error: { code: ErrorCode.BadRequest, message: `unknown event "${name.slice(0, 64)}"` } });
      return;
    }
    if (isMessage && deps.abuse) {
      // Across this IP's and this user's connections on this replica. Not counted toward this
      // connection's flood window: behind one NAT, others' messages could have used the IP's rate.
      const wait = deps.abuse.messageWait(clientAddress(socket), data.user.ephemeral ? undefined : data.user.id);
      if (wait > 0) {
        deps.metrics?.rejected.inc({ event: name, code: ErrorCode.RateLimited });
        reply({ ok: false, error: new ProtocolError(ErrorCode.RateLimited, "too many messages from your address or account; slow down", wait).toBody() });
        return;
      }
    }
    handler(deps, socket, args.length >= 2 ? args[0] : undefined).then(
      (result) => reply({ ok: true, ...result }),
      (err: unknown) => {
        const error = toErrorBody(err, deps.logger, { event: name, socket: socket.id });
        deps.metrics?.rejected.inc({ event: name, code: error.code });
        reply({ ok: false, error });
      },
    );
  }

  return (socket) => {
    socket.onAny(dispatch as (...args: unknown[]) => void);
  };
}
