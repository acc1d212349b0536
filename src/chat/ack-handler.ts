import { engineConnection } from "../engine/engine-connection.js";
import { ErrorCode, ProtocolError } from "../protocol/index.js";
import type { ChatDeps } from "./chat-deps.js";
import type { ServerSocket } from "../socket/chat-io.js";
import type { TokenBucket } from "../util/token-bucket.js";

export type AckFn = (res: unknown) => void;

export interface FloodOptions {
  /** Rate-limited calls tolerated per window before the connection is dropped. @default 50 */
  maxRefusals: number;
  /** @default 10000 */
  windowMs: number;
}

export const defaultFloodOptions: FloodOptions = { maxRefusals: 50, windowMs: 10_000 };

/** The client address the connection limiter counted this connection under (X-Forwarded-For aware). */
export function clientAddress(socket: ServerSocket): string | undefined {
  return engineConnection(socket).countedAs;
}

/**
 * Charges the bucket; on refusal acks `rate_limited` (when the call asked for an ack) and returns
 * false. A client that keeps going after being told to slow down is a flood: it is disconnected,
 * and others never notice it.
 */
export function admit(
  deps: Pick<ChatDeps, "logger" | "metrics" | "abuse">,
  socket: ServerSocket,
  event: string,
  bucket: TokenBucket,
  reply: AckFn | undefined,
  flood: FloodOptions,
): boolean {
  const wait = bucket.take();
  if (wait === 0) return true;
  refuse(deps, socket, event, wait, reply, flood);
  return false;
}

/**
 * Acks `rate_limited` with `retryAfterMs` and counts the refusal; too many in the flood window
 * disconnect the client, and its IP and user are refused for a while (see AbuseControl), so a
 * reconnect does not start over with full buckets.
 */
export function refuse(
  deps: Pick<ChatDeps, "logger" | "metrics" | "abuse">,
  socket: ServerSocket,
  event: string,
  wait: number,
  reply: AckFn | undefined,
  flood: FloodOptions,
): void {
  deps.metrics?.rejected.inc({ event, code: reply ? ErrorCode.RateLimited : "no_ack" });
  reply?.({ ok: false, error: new ProtocolError(ErrorCode.RateLimited, "too many requests; slow down", wait).toBody() });
  const now = Date.now();
  const r = (socket.data.refusals ??= { count: 0, windowStart: now });
  if (now - r.windowStart > flood.windowMs) {
    r.windowStart = now;
    r.count = 0;
  }
  if (++r.count > flood.maxRefusals && socket.connected) {
    const user = socket.data.user;
    deps.logger.warn({ socket: socket.id, user: user.id, ip: clientAddress(socket) }, "flooding client disconnected");
    deps.abuse?.flooded(clientAddress(socket), user.ephemeral ? undefined : user.id);
    socket.disconnect(true);
  }
}
