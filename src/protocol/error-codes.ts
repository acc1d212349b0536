/**
 * Error codes of the wire protocol (PROTOCOL.md, "Every failure acks ..."). Shared by the server,
 * the browser client and the tests so that no code is spelled twice.
 */
export const ErrorCode = {
  BadRequest: "bad_request",
  TooLarge: "too_large",
  NotJoined: "not_joined",
  Forbidden: "forbidden",
  RateLimited: "rate_limited",
  Unavailable: "unavailable",
  /** Server HTTP API (docs/api.md): no such room entry, ban or route. */
  NotFound: "not_found",
  /** Server HTTP API: a missing or wrong API key. */
  Unauthorized: "unauthorized",
  /** Server HTTP API: an idempotency key reused with a different request. */
  Conflict: "conflict",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Message of the `connect_error` that refuses a bad or expired token. */
export const UNAUTHORIZED = "unauthorized";
