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
  /**
   * Server addition (issue #21): moderation refused the text itself: it contains a blocked term,
   * or a moderator denied it while it was held. Sending the same text again will not help.
   */
  Blocked: "blocked",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Server addition: `error.reason`, which rule refused a send when the code alone does not say.
 * Pages switch on it to show their own words; a client that does not know one shows `message`.
 */
export const RefusalReason = {
  /** A chat mode needs the token's claims: an anonymous viewer must sign in (`forbidden`). */
  SignInRequired: "sign_in_required",
  /** Subscribers-only mode and the token has no `subscriber` badge (`forbidden`). */
  SubscribersOnly: "subscribers_only",
  /** Followers-only mode and the token has no `followedAt` (`forbidden`). */
  FollowersOnly: "followers_only",
  /** Followers-only mode with a minimum follow age not reached yet (`forbidden`, `retryAfterMs`). */
  FollowTooRecent: "follow_too_recent",
  /** Unique chat: the same text was sent in the room within the last 30 s (`forbidden`). */
  UniqueChat: "unique_chat",
  /** The text contains a blocked term (`blocked`). */
  BlockedTerm: "blocked_term",
  /** A moderator denied the held message (`blocked`). */
  Denied: "denied",
  /** The room's review queue is full (`rate_limited`, `retryAfterMs`). */
  QueueFull: "queue_full",
} as const;

export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

/** Message of the `connect_error` that refuses a bad or expired token. */
export const UNAUTHORIZED = "unauthorized";
