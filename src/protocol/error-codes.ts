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
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Message of the `connect_error` that refuses a bad or expired token. */
export const UNAUTHORIZED = "unauthorized";
