import { ErrorCode } from "../protocol/index.js";
import type { StoredMessage } from "../store/message-store.js";

/**
 * The durable chat archive: every entry a room ever stored (chat and question messages, notices,
 * clear markers, system posts), kept for good. Redis stays the hot path; the archive is written
 * behind it (docs/archive-design.md) and read for older history, replay, exports and erasure.
 *
 * Implementations: PostgreSQL (scaled mode, `DATABASE_URL`) and an embedded database file
 * (`DATA_DIR`); both run through one shared test suite (message-archive.suite.ts).
 *
 * Entries are keyed by (room, id), where `id` is the room's sortable wire id
 * (src/store/message-id.ts): ids of one room compare as plain strings in storage order, and the
 * id's first part is the entry's time in ms, so a time range of a room is an id range.
 */
export interface MessageArchive {
  /**
   * Stores entries, idempotent per (room, id): an entry already archived is left as it is (a
   * re-archive after a crash or a retry never duplicates), except that a copy carrying `deleted`
   * flags the stored one if it was not flagged yet. Entries of a user erased at or after their
   * `ts` are skipped (see {@link eraseUser}), so a late re-archive cannot bring them back. Any
   * number of rooms per call; one atomic step. Resolves with how many entries were new.
   */
  insert(entries: readonly ArchivedEntry[]): Promise<number>;
  /**
   * Flags an archived entry as deleted by moderation: paging and replay hide it from then on, an
   * export still shows it with `deleted`. The first deletion wins. False when no such entry is
   * archived (yet: see docs/archive-design.md for deletions that overtake the write-behind).
   */
  markDeleted(room: string, id: string, deletion: Deletion): Promise<boolean>;
  /**
   * One page of a room's entries that are not deleted, **oldest first**: with `before`, the
   * newest `limit` older than it (`hasMore`: older ones exist); with `after`, the oldest `limit`
   * newer than it (`hasMore`: newer ones exist); with neither, the newest `limit`.
   * Throws {@link ArchiveInputError} for a limit outside 1-100 or a cursor that is no message id.
   */
  page(room: string, query: PageQuery): Promise<ArchivePage>;
  /**
   * A room's entries with ids in the time range [from, to) (ms since the epoch), in id order,
   * deleted ones left out unless `includeDeleted`. Read in chunks of `chunkSize` as the consumer
   * pulls (never the whole range in memory, no transaction or connection held between chunks), so
   * a replay can be streamed to a slow HTTP client. Stopping the iteration early is fine.
   * Throws {@link ArchiveInputError} at once, before any read, for a bad range (to <= from, a
   * negative or fractional time, a chunk size outside 1-5000).
   */
  range(room: string, query: RangeQuery): AsyncIterable<ArchivedEntry>;
  /** Everything a room holds, deleted entries included and marked: the audit export. Chunked as {@link range}. */
  export(room: string, options?: { chunkSize?: number }): AsyncIterable<ArchivedEntry>;
  /**
   * Erases a user's entries in every room (privacy requests), those with `ts <= upTo`, and
   * remembers the erasure so {@link insert} refuses them later. Works in chunks; after each
   * committed chunk `onErased` is told what went (so viewers can be told, `chat:deleted`).
   * Resolves with how many entries were erased.
   */
  eraseUser(userId: string, options?: EraseOptions): Promise<number>;
  /**
   * Retention: removes entries (and remembered erasures) with `ts` before `olderThan` (ms since the
   * epoch), in chunks so no statement runs long. Resolves with how many entries were removed.
   */
  prune(olderThan: number): Promise<number>;
  /** Closes the database (the pool, or the embedded file). Further calls reject. */
  close(): Promise<void>;
}

/** JSON values of {@link ArchivedEntry.extra}. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Who removed an entry (a moderator's user id, or "api" for the site's backend) and when. */
export interface Deletion {
  by: string;
  /** ms since the epoch */
  at: number;
}

/** An archived entry: a stored entry, plus what later issues add and a deletion flag. */
export interface ArchivedEntry extends StoredMessage {
  /**
   * Fields later issues add (reply-to, badges, ...), kept as they come in one JSON column, so an
   * archive written by a newer replica loses nothing an older one does not know. Absent = {}.
   */
  extra?: { [key: string]: JsonValue };
  /** Present when moderation deleted the entry. */
  deleted?: Deletion;
}

/** Most entries one page carries (protocol limit of `room:history`). */
export const MAX_PAGE_LIMIT = 100;

export interface PageQuery {
  /** Only entries older than this id. At most one of `before` and `after`. */
  before?: string;
  /** Only entries newer than this id. */
  after?: string;
  /** 1 to {@link MAX_PAGE_LIMIT}. */
  limit: number;
}

export interface ArchivePage {
  /** Oldest first. */
  entries: ArchivedEntry[];
  /** More entries exist past the page in the direction it was read. */
  hasMore: boolean;
}

export interface RangeQuery {
  /** ms since the epoch, inclusive. */
  from: number;
  /** ms since the epoch, exclusive. */
  to: number;
  /** @default false */
  includeDeleted?: boolean;
  /** Entries read per query. @default 500 */
  chunkSize?: number;
}

/** One erased entry, as {@link MessageArchive.eraseUser} reports it. */
export interface ErasedEntry {
  room: string;
  id: string;
}

export interface EraseOptions {
  /** Erase entries with `ts` up to this (ms since the epoch). @default now */
  upTo?: number;
  /** Told after each committed chunk; a rejection stops the erasure (what was erased stays erased). */
  onErased?: (entries: ErasedEntry[]) => void | Promise<void>;
}

/** Options every implementation takes. */
export interface ArchiveOptions {
  /** Entries one erasure statement deletes (one transaction each). @default 1000 */
  eraseChunk: number;
  /** Entries one retention statement deletes. @default 5000 */
  pruneChunk: number;
  /** Clock for erasure's default `upTo`. @default Date.now */
  now: () => number;
}

export const defaultArchiveOptions: ArchiveOptions = { eraseChunk: 1_000, pruneChunk: 5_000, now: Date.now };

/** A caller's mistake (bad limit, cursor or range): becomes a `bad_request` ack or a 400 at the edge. */
export class ArchiveInputError extends Error {
  override name = "ArchiveInputError";
  readonly code = ErrorCode.BadRequest;
}

/**
 * The database cannot be reached or did not answer in time. Nothing was written by the failed call
 * (each call is one transaction, or one per chunk for erasure and retention); retrying is safe.
 */
export class ArchiveUnavailableError extends Error {
  override name = "ArchiveUnavailableError";
  readonly code = ErrorCode.Unavailable;
}
