import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import { toErrorBody } from "../rooms/error-body.js";
import { ErrorCode, ProtocolError, type ErrorBody } from "../protocol/index.js";

/** The HTTP status of each protocol error code. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.NotJoined]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Blocked]: 403,
};

/** Sends `{ error: { code, message } }` with the code's status (and `Retry-After` when there is a wait). */
export function sendError(res: Response, error: ErrorBody): void {
  if (error.retryAfterMs !== undefined) res.setHeader("Retry-After", String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  res.status(HTTP_STATUS[error.code]).json({ error });
}

/** 404 `not_found` with a message saying what was not there. */
export function notFound(res: Response, message: string): void {
  sendError(res, { code: ErrorCode.NotFound, message });
}

/** What express.json() throws (http-errors): a status and a type. */
interface BodyParserError {
  status?: number;
  type?: string;
}

/**
 * The API's one error handler: protocol errors as themselves, body-parser errors as `too_large` or
 * `bad_request`, store outages as `unavailable` (503, Retry-After); anything else is logged and
 * answered `unavailable` too, never with internals.
 */
export function apiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const parser = err as BodyParserError;
    if (!(err instanceof ProtocolError) && typeof parser.type === "string" && typeof parser.status === "number") {
      if (parser.status === 413) return sendError(res, { code: ErrorCode.TooLarge, message: "request body is too large" });
      return sendError(res, { code: ErrorCode.BadRequest, message: parser.type === "entity.parse.failed" ? "request body is not valid JSON" : "unreadable request body" });
    }
    const error = toErrorBody(err, logger, { api: `${req.method} ${req.path}` });
    if (error.code === ErrorCode.Unavailable && error.retryAfterMs === undefined) error.retryAfterMs = 1_000;
    sendError(res, error);
  };
}
