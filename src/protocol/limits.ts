/** Shapes fixed by PROTOCOL.md itself, not by configuration. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const NAME_MAX_LENGTH = 32;
export const MESSAGE_KINDS = ["chat", "question"] as const;
/** clientId is "e.g. a UUID"; a bound keeps dedup keys small. */
export const CLIENT_ID_MAX_LENGTH = 128;
/** Default of the configurable text limit. */
export const DEFAULT_MESSAGE_MAX_LENGTH = 500;
/**
 * The server's message ids (`<14-digit ms>-<10-digit seq>`, see src/store/message-id.ts). Clients
 * treat ids as opaque; the server checks a cursor it is given (`before`) against this.
 */
export const MESSAGE_ID_PATTERN = /^\d{14}-\d{10}$/;
/** Most messages one `room:history` page (and `GET .../messages`) carries. */
export const MAX_HISTORY_PAGE = 100;
/** Messages a page carries when the request names no limit. */
export const DEFAULT_HISTORY_PAGE = 50;
/** Longest time range one replay request covers (24 h). */
export const MAX_REPLAY_RANGE_MS = 24 * 3_600_000;
