/**
 * The protocol's smallest shared shapes: who wrote something (a user and their role in the room),
 * how a failure looks, and an ack. Both event modules (events.ts, moderation-events.ts) build on
 * them, so neither imports the other.
 */
import type { ErrorCode, RefusalReason } from "./error-codes.js";

/** What a viewer's message is (protocol v1). */
export type MessageKind = "chat" | "question";

/** A token's role (protocol v1): only a token can make a streamer. */
export type TokenRole = "viewer" | "streamer";

/**
 * A user's role in a room, as messages carry it. `moderator` is a server addition (issue #21): a
 * user the room's streamer appointed, or whose token names the room in its `mod` claim. A v1
 * client reads `role` as a string and must not reject a value it does not know.
 */
export type Role = TokenRole | "moderator";

export interface User {
  id: string;
  name: string;
  role: Role;
  /**
   * Server addition: badges the site signed into the user's token (e.g. `subscriber`, `vip`), for
   * pages to show. Absent when the token carries none (and for anonymous viewers).
   */
  badges?: string[];
}

/** Server addition: what a reply points at, delivered with the reply. */
export interface ReplyRef {
  /** The parent message's id in the same room. */
  id: string;
  /** The parent's author, as the parent carried it. */
  user: User;
  /** The parent's text, cut to at most {@link REPLY_EXCERPT_LENGTH} characters (… when cut). */
  excerpt: string;
}

/** Characters of a parent's text a reply carries. */
export const REPLY_EXCERPT_LENGTH = 80;

/** A parent's text as a reply carries it: at most REPLY_EXCERPT_LENGTH code points, "…" when cut. */
export function replyExcerpt(text: string): string {
  const points = [...text];
  return points.length <= REPLY_EXCERPT_LENGTH ? text : `${points.slice(0, REPLY_EXCERPT_LENGTH - 1).join("")}…`;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** With `rate_limited` (and a mute, a follow too recent): when a retry may succeed. */
  retryAfterMs?: number;
  /**
   * Server addition: which rule refused it, when `code` alone does not say (chat modes, blocked
   * terms, a moderator's denial), so a page can show its own words. Absent otherwise.
   */
  reason?: RefusalReason;
}

export interface Failure {
  ok: false;
  error: ErrorBody;
}

export type Ack<T extends object> = ({ ok: true } & T) | Failure;
