import type { ModerationLogEntry } from "../protocol/index.js";

/**
 * Every moderation action of a room (who, what, whom, why, when), for the room's moderators and
 * the site. Implementations: in-memory and Redis (bounded per room: the newest `maxPerRoom` for
 * `ttlSec`), with one shared suite (moderation-log.suite.ts). A durable, archive-backed one goes
 * behind this interface when the archive is wired in (issue #20; see docs/protocol.md).
 */
export interface ModerationLog {
  /** Records one action; resolves with it as stored (with its id). */
  append(entry: Omit<ModerationLogEntry, "id">): Promise<ModerationLogEntry>;
  /** The room's entries, newest first: the newest `limit`, or those older than the entry `before`. */
  list(room: string, query: { before?: string; limit: number }): Promise<ModerationLogEntry[]>;
  close(): Promise<void>;
}

export interface ModerationLogOptions {
  /** Entries kept per room (the oldest go first). @default 1000 */
  maxPerRoom: number;
  /** Seconds a room's log lives after its last entry. @default 2592000 (30 days) */
  ttlSec: number;
}

export const defaultModerationLogOptions: ModerationLogOptions = { maxPerRoom: 1_000, ttlSec: 30 * 86_400 };
