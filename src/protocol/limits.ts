/** Shapes fixed by PROTOCOL.md itself, not by configuration. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const NAME_MAX_LENGTH = 32;
export const MESSAGE_KINDS = ["chat", "question"] as const;
/** clientId is "e.g. a UUID"; a bound keeps dedup keys small. */
export const CLIENT_ID_MAX_LENGTH = 128;
/** Default of the configurable text limit. */
export const DEFAULT_MESSAGE_MAX_LENGTH = 500;
