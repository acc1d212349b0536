import type { Logger } from "pino";
import { ErrorCode, ProtocolError, type ErrorBody } from "../protocol/index.js";
import { StoreUnavailableError } from "../store/message-store.js";
import type { ChatDeps, ChatSocket } from "./types.js";
import type { TokenBucket } from "./token-bucket.js";

export type AckFn = (res: unknown) => void;

/** Turns any error into the `{ code, message }` a client gets; never leaks internals. */
export function toErrorBody(err: unknown, logger: Logger, context: object): ErrorBody {
  if (err instanceof ProtocolError) return err.toBody();
  if (err instanceof StoreUnavailableError) {
    logger.warn({ err, ...context }, "store unavailable");
    return { code: ErrorCode.Unavailable, message: "message store unavailable; retry with the same clientId" };
  }
  logger.error({ err, ...context }, "handler failed");
  return { code: ErrorCode.Unavailable, message: "internal error; retry with the same clientId" };
}

export interface FloodOptions {
  /** Rate-limited calls tolerated per window before the connection is dropped. @default 50 */
  maxRefusals: number;
  /** @default 10000 */
  windowMs: number;
}

export const defaultFloodOptions: FloodOptions = { maxRefusals: 50, windowMs: 10_000 };

/**
 * Charges the bucket; on refusal acks `rate_limited` and returns false. A client that keeps going
 * after being told to slow down is a flood: it is disconnected, and others never notice it.
 */
export function admit(
  deps: Pick<ChatDeps, "logger" | "metrics">,
  socket: ChatSocket,
  event: string,
  bucket: TokenBucket,
  reply: AckFn,
  flood: FloodOptions,
): boolean {
  const wait = bucket.take();
  if (wait === 0) return true;
  deps.metrics?.rejected.inc({ event, code: ErrorCode.RateLimited });
  reply({ ok: false, error: new ProtocolError(ErrorCode.RateLimited, "too many requests; slow down", wait).toBody() });
  const now = Date.now();
  const r = (socket.data.refusals ??= { count: 0, windowStart: now });
  if (now - r.windowStart > flood.windowMs) {
    r.windowStart = now;
    r.count = 0;
  }
  if (++r.count > flood.maxRefusals) {
    deps.logger.warn({ socket: socket.id, user: socket.data.user.id }, "flooding client disconnected");
    socket.disconnect(true);
  }
  return false;
}
