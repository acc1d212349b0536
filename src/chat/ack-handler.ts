import type { Logger } from "pino";
import { ErrorCode, ProtocolError, type ErrorBody } from "../protocol/index.js";
import { StoreUnavailableError } from "../store/message-store.js";
import type { ChatSocket } from "./types.js";
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

export interface HandlerHooks {
  /** Called with the outcome of every acked call: "ok" or an error code. */
  onOutcome?: (event: string, outcome: string) => void;
}

/**
 * Registers one client event with the protocol's ack discipline: a call without an ack callback is
 * dropped (no crash, no broadcast); the bucket is charged first, so garbage floods are limited too;
 * success acks `{ ok: true, ...result }`, any failure acks `{ ok: false, error }`.
 */
export function handleAcked(
  socket: ChatSocket,
  event: string,
  bucket: TokenBucket,
  handler: (payload: unknown) => Promise<object>,
  logger: Logger,
  hooks: HandlerHooks = {},
): void {
  const listener = (...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (typeof ack !== "function") {
      hooks.onOutcome?.(event, "no_ack");
      return;
    }
    const payload = args.length >= 2 ? args[0] : undefined;
    const reply = ack as AckFn;
    const wait = bucket.take();
    if (wait > 0) {
      hooks.onOutcome?.(event, ErrorCode.RateLimited);
      const error = new ProtocolError(ErrorCode.RateLimited, "too many messages; slow down", wait);
      reply({ ok: false, error: error.toBody() });
      return;
    }
    handler(payload).then(
      (result) => {
        hooks.onOutcome?.(event, "ok");
        reply({ ok: true, ...result });
      },
      (err: unknown) => {
        const error = toErrorBody(err, logger, { event, socket: socket.id });
        hooks.onOutcome?.(event, error.code);
        reply({ ok: false, error });
      },
    );
  };
  socket.on(event as "room:join", listener as never);
}
