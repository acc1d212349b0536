/**
 * The PostgreSQL archive's statements. Every read walks the primary key
 * (room, id), backwards for older pages, so a page costs the same in a room of 50 entries or of
 * 50 million; chunked deletes walk the user_id and ts indexes. Schema: postgres-migrations.ts.
 */

/**
 * Run once on every connection. Every read here walks a btree in key order, and a bitmap scan (all
 * matching rows, then a sort) is never what it wants; yet the planner picks one whenever its
 * statistics say a room is small, e.g. before autovacuum has analyzed a freshly loaded table: a
 * page of a 50,000-entry room then took 15 ms instead of 0.6 (bench/README.md). Turning bitmap
 * scans off for the archive's sessions keeps the ordered index scan whatever the statistics say.
 */
export const SESSION_SETUP = "SET enable_bitmapscan = off";

/** Columns an entry is read with: an EntryRow (entry-row.ts). */
const COLUMNS = "room, id, ts, kind, body, user_id, user_name, user_role, is_system, extra, deleted_at, deleted_by";


/**
 * Taken by every insert, for its transaction: an erasure's bookkeeping (a row in archive_erasures)
 * waits for inserts in flight to commit, and inserts after it wait for it, so an insert either
 * lands before the erasure deletes (and is deleted) or sees the erasure (and is refused).
 * Inserts do not block each other (SHARE does not conflict with SHARE).
 */
export const LOCK_ERASURES_FOR_INSERT = "LOCK TABLE archive_erasures IN SHARE MODE";

/**
 * $1: a JSON array of rows with the EntryRow fields (entry-row.ts). One statement for any batch size
 * (one parameter, one plan); rows already archived are skipped, as are rows of erased users.
 */
export const INSERT_ENTRIES = `
INSERT INTO archive_entries (${COLUMNS})
SELECT e.room, e.id, e.ts, e.kind, e.body, e.user_id, e.user_name, e.user_role, e.is_system,
       e.extra, e.deleted_at, e.deleted_by
FROM jsonb_to_recordset($1::jsonb) AS e(room text, id text, ts bigint, kind text, body text,
  user_id text, user_name text, user_role text, is_system boolean, extra jsonb, deleted_at bigint, deleted_by text)
WHERE NOT EXISTS (SELECT 1 FROM archive_erasures x WHERE x.user_id = e.user_id AND e.ts <= x.erased_at)
ON CONFLICT (room, id) DO NOTHING`;

/** $1: a JSON array of {room, id, at, by}: flags the ones not flagged yet. */
export const FLAG_DELETED = `
UPDATE archive_entries a SET deleted_at = d.at, deleted_by = d.by
FROM jsonb_to_recordset($1::jsonb) AS d(room text, id text, at bigint, by text)
WHERE a.room = d.room AND a.id = d.id AND a.deleted_at IS NULL`;

/** $1 room, $2 id, $3 at, $4 by. `found`: the entry exists (flagged now or before). */
export const MARK_DELETED = `
WITH flagged AS (
  UPDATE archive_entries SET deleted_at = $3, deleted_by = $4
  WHERE room = $1 AND id = $2 AND deleted_at IS NULL
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM archive_entries WHERE room = $1 AND id = $2) AS found`;

/** $1 room, $2 limit: the newest entries, newest first. */
export const PAGE_LATEST = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = $1 AND deleted_at IS NULL ORDER BY id DESC LIMIT $2`;

/** $1 room, $2 id, $3 limit: entries older than the id, newest first. */
export const PAGE_BEFORE = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = $1 AND id < $2 AND deleted_at IS NULL ORDER BY id DESC LIMIT $3`;

/** $1 room, $2 id, $3 limit: entries newer than the id, oldest first. */
export const PAGE_AFTER = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = $1 AND id > $2 AND deleted_at IS NULL ORDER BY id ASC LIMIT $3`;

/** $1 room, $2 lowest id (inclusive), $3 end id (exclusive), $4 limit, $5 include deleted. */
export const RANGE_FROM = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = $1 AND id >= $2 AND id < $3 AND ($5 OR deleted_at IS NULL) ORDER BY id ASC LIMIT $4`;

/** As {@link RANGE_FROM}, from past $2 (the last id of the previous chunk). */
export const RANGE_AFTER = `
SELECT ${COLUMNS} FROM archive_entries
WHERE room = $1 AND id > $2 AND id < $3 AND ($5 OR deleted_at IS NULL) ORDER BY id ASC LIMIT $4`;

/** $1 user id, $2 erased up to (ts). A later erasure of the same user moves the mark forward. */
export const RECORD_ERASURE = `
INSERT INTO archive_erasures (user_id, erased_at) VALUES ($1, $2)
ON CONFLICT (user_id) DO UPDATE SET erased_at = GREATEST(archive_erasures.erased_at, excluded.erased_at)`;

/** $1 user id, $2 up to (ts), $3 chunk size. */
export const ERASE_CHUNK = `
DELETE FROM archive_entries WHERE (room, id) IN (
  SELECT room, id FROM archive_entries WHERE user_id = $1 AND ts <= $2 LIMIT $3
) RETURNING room, id`;

/** $1 cutoff (ts), $2 chunk size. */
export const PRUNE_CHUNK = `
DELETE FROM archive_entries WHERE (room, id) IN (
  SELECT room, id FROM archive_entries WHERE ts < $1 LIMIT $2
)`;

/** $1 cutoff: erasures older than the retention protect nothing any more. */
export const PRUNE_ERASURES = "DELETE FROM archive_erasures WHERE erased_at < $1";
