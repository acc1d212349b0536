/**
 * The SQLite archive's statements: PostgreSQL's (postgres/postgres-sql.ts) in SQLite's dialect,
 * one row per statement (prepared once, run inside one transaction per batch).
 */

import type { EntryRow } from "../entry-row.js";

const COLUMNS = "room, id, ts, kind, body, user_id, user_name, user_role, is_system, extra, deleted_at, deleted_by";

/** An {@link EntryRow} as SQLite stores it. */
export interface SqliteRow extends Omit<EntryRow, "is_system" | "extra"> {
  is_system: 0 | 1;
  /** JSON text. */
  extra: string;
}

/** Named parameters: the {@link SqliteRow} fields. Skipped when archived or erased. */
export const INSERT_ENTRY = `
INSERT INTO archive_entries (${COLUMNS})
SELECT @room, @id, @ts, @kind, @body, @user_id, @user_name, @user_role, @is_system, @extra, @deleted_at, @deleted_by
WHERE NOT EXISTS (SELECT 1 FROM archive_erasures x WHERE x.user_id = @user_id AND @ts <= x.erased_at)
ON CONFLICT (room, id) DO NOTHING`;

/** @room, @id, @at, @by: flags the entry unless it is flagged already. */
export const FLAG_DELETED = `
UPDATE archive_entries SET deleted_at = @at, deleted_by = @by
WHERE room = @room AND id = @id AND deleted_at IS NULL`;

/** room, id */
export const ENTRY_EXISTS = "SELECT 1 AS found FROM archive_entries WHERE room = ? AND id = ?";

/** room, limit */
export const PAGE_LATEST = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`;

/** room, id, limit */
export const PAGE_BEFORE = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = ? AND id < ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`;

/** room, id, limit */
export const PAGE_AFTER = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = ? AND id > ? AND deleted_at IS NULL ORDER BY id ASC LIMIT ?`;

/** room, lowest id (inclusive), end id (exclusive), include deleted (0/1), limit */
export const RANGE_FROM = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = ? AND id >= ? AND id < ? AND (? OR deleted_at IS NULL) ORDER BY id ASC LIMIT ?`;

/** As {@link RANGE_FROM}, from past the last id of the previous chunk. */
export const RANGE_AFTER = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = ? AND id > ? AND id < ? AND (? OR deleted_at IS NULL) ORDER BY id ASC LIMIT ?`;

/** user id, erased up to (ts) */
export const RECORD_ERASURE = `
INSERT INTO archive_erasures (user_id, erased_at) VALUES (?, ?)
ON CONFLICT (user_id) DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)`;

/** user id, up to (ts), chunk size */
export const ERASE_CHUNK = `
DELETE FROM archive_entries WHERE (room, id) IN (
  SELECT room, id FROM archive_entries WHERE user_id = ? AND ts <= ? LIMIT ?
) RETURNING room, id`;

/** cutoff (ts), chunk size */
export const PRUNE_CHUNK = `
DELETE FROM archive_entries WHERE (room, id) IN (
  SELECT room, id FROM archive_entries WHERE ts < ? LIMIT ?
)`;

/** cutoff */
export const PRUNE_ERASURES = "DELETE FROM archive_erasures WHERE erased_at < ?";
