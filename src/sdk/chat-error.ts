import { ErrorCode, type ErrorBody, type RefusalReason } from "../protocol/index.js";

/**
 * Why a failure happened on our side of the wire, when it did: no ack in time, the connection
 * dropped with the request in flight, the client or room was closed, or the send's deadline passed.
 */
export type LocalReason = "timeout" | "disconnected" | "closed" | "deadline";

/**
 * A failed join, send or moderation request. `code` is the protocol's {@link ErrorCode} (a local
 * failure is `unavailable`, with `local` saying why), so a UI can switch on one value.
 */
export class ChatError extends Error {
  override name = "ChatError";
  readonly code: ErrorCode;
  /** With `rate_limited` (and a mute): when a retry may succeed. */
  readonly retryAfterMs: number | undefined;
  /** Set when the failure never got an answer from the server. */
  readonly local: LocalReason | undefined;
  /** Which moderation rule refused it (a chat mode, a blocked term, a moderator's denial), when the server said. */
  readonly reason: RefusalReason | undefined;

  constructor(body: ErrorBody, local?: LocalReason, options?: { cause?: unknown }) {
    super(body.message, options);
    this.code = body.code;
    this.retryAfterMs = body.retryAfterMs;
    this.local = local;
    this.reason = body.reason;
  }

  /** The protocol's error body, e.g. for rendering with the server's own wording. */
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    if (this.reason !== undefined) body.reason = this.reason;
    return body;
  }

  static local(reason: LocalReason, message: string): ChatError {
    return new ChatError({ code: ErrorCode.Unavailable, message }, reason);
  }
}

/**
 * Errors that no retry with the same payload can fix (`blocked` too: moderation refused the text).
 * Everything else (`unavailable`, a lost ack,
 * `rate_limited`, `not_joined` after a re-join) is worth another attempt.
 */
export function isPermanent(code: ErrorCode): boolean {
  return code === ErrorCode.BadRequest || code === ErrorCode.TooLarge || code === ErrorCode.Forbidden || code === ErrorCode.Blocked;
}
