/**
 * The moderation log's table in the archive (issue #21): the next migration of each archive's
 * schema (registered at the end of postgres-migrations.ts and sqlite-migrations.ts; the number is
 * the next free version when written, to be renumbered at merge if another lands first). One row
 * per log entry, numbered in the order written: a room's log reads newest first by that number.
 */
import type { ArchiveMigration } from "./archive-migration.js";

export const MODERATION_LOG_MIGRATION_VERSION = 2;

export const POSTGRES_MODERATION_LOG_MIGRATION: ArchiveMigration = {
  version: MODERATION_LOG_MIGRATION_VERSION,
  name: "moderation log",
  sql: `
    -- The entry as the log reports it (who, what, target, reason, detail), minus its id and room.
    CREATE TABLE moderation_log (
      seq     bigserial PRIMARY KEY,
      room    text COLLATE "C" NOT NULL,
      at      bigint NOT NULL,
      entry   jsonb NOT NULL
    );
    -- A room's log, newest first, a page before a cursor.
    CREATE INDEX moderation_log_room_seq ON moderation_log (room, seq);
    -- Retention, by age across rooms.
    CREATE INDEX moderation_log_at ON moderation_log (at);
  `,
};

export const SQLITE_MODERATION_LOG_MIGRATION: ArchiveMigration = {
  version: MODERATION_LOG_MIGRATION_VERSION,
  name: "moderation log",
  sql: `
    CREATE TABLE moderation_log (
      seq     INTEGER PRIMARY KEY AUTOINCREMENT,
      room    TEXT NOT NULL,
      at      INTEGER NOT NULL,
      entry   TEXT NOT NULL
    );
    CREATE INDEX moderation_log_room_seq ON moderation_log (room, seq);
    CREATE INDEX moderation_log_at ON moderation_log (at);
  `,
};

/** A row's number as a log entry id: zero-padded, so ids compare as plain strings in the order written. */
export function logEntryId(seq: number | string): string {
  return String(seq).padStart(20, "0");
}

/** The row number of a log entry id, or undefined for an id this log did not make. */
export function logEntrySeq(id: string): string | undefined {
  return /^\d{20}$/.test(id) ? String(BigInt(id)) : undefined;
}
