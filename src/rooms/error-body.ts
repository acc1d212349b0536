/**
 * How a failed room operation reaches a client, at either edge (a socket event's ack in src/chat/,
 * an HTTP API response in src/api/): one mapping, so both say the same and neither leaks internals.
 */
import type { Logger } from "pino";
import { ErrorCode, ProtocolError, type ErrorBody } from "../protocol/index.js";
import { StoreUnavailableError } from "../store/message-store.js";
import { ArchiveInputError, ArchiveUnavailableError } from "../archive/message-archive.js";

/** Turns any error into the `{ code, message }` a client gets; never leaks internals. */
export function toErrorBody(err: unknown, logger: Logger, context: object): ErrorBody {
  if (err instanceof ProtocolError) return err.toBody();
  if (err instanceof StoreUnavailableError) {
    logger.warn({ err, ...context }, "store unavailable");
    return { code: ErrorCode.Unavailable, message: "message store unavailable; retry with the same clientId" };
  }
  if (err instanceof ArchiveInputError) return { code: ErrorCode.BadRequest, message: err.message };
  if (err instanceof ArchiveUnavailableError) {
    logger.warn({ err, ...context }, "archive unavailable");
    return { code: ErrorCode.Unavailable, message: "the archive (older history) is unavailable; retry later" };
  }
  logger.error({ err, ...context }, "handler failed");
  return { code: ErrorCode.Unavailable, message: "internal error; retry with the same clientId" };
}
