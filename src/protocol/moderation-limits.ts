/** Bounds of the moderation protocol (issue #21), shared by the server, the SDK and the pages. */

/** Longest non-moderator delay (`delaySec`, 1-10; 0 = off). */
export const MAX_DELAY_SEC = 10;
/** Longest minimum follow age of followers-only mode: 90 days. */
export const MAX_FOLLOW_AGE_SEC = 90 * 86_400;
/** Unique chat's window: a text identical to one sent in the room this recently is refused. */
export const UNIQUE_CHAT_WINDOW_MS = 30_000;
/** Characters of a blocked term (after normalising). */
export const TERM_MAX_LENGTH = 100;
/** Blocked terms per room; the site's list has its own bound (the HTTP API's options). */
export const MAX_ROOM_TERMS = 1_000;
/** Appointed moderators per room. */
export const MAX_MODERATORS = 100;
/** Characters of a report's or a denial's reason. */
export const REASON_MAX_LENGTH = 200;
/** Entries one `log:list` returns at most (and by default half that). */
export const MAX_LOG_PAGE = 100;
/** A badge in a token: a short lower-case word. At most {@link MAX_BADGES} of them. */
export const BADGE_PATTERN = /^[a-z0-9_-]{1,32}$/;
export const MAX_BADGES = 10;
/** The badge subscribers-only mode looks for. */
export const SUBSCRIBER_BADGE = "subscriber";
