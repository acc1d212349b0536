/**
 * The SQLite archive's schema (rules for adding to it: archive-migration.ts); the version applied
 * is the database's `user_version`. The same tables as PostgreSQL's, in SQLite's types.
 */
import type { ArchiveMigration } from "../archive-migration.js";
import { SQLITE_MODERATION_LOG_MIGRATION } from "../moderation-log-migration.js";

export const SQLITE_MIGRATIONS: readonly ArchiveMigration[] = [
  {
    version: 1,
    name: "entries, erasures",
    sql: `
      -- WITHOUT ROWID: rows live in primary key order, so a room's page is one contiguous read.
      -- Text compares byte by byte (BINARY), which is the ids' sort order (message-id.ts).
      CREATE TABLE archive_entries (
        room        TEXT NOT NULL,
        id          TEXT NOT NULL,
        ts          INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        body        TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        user_name   TEXT NOT NULL,
        user_role   TEXT NOT NULL,
        is_system   INTEGER NOT NULL DEFAULT 0,
        extra       TEXT NOT NULL DEFAULT '{}',
        deleted_at  INTEGER,
        deleted_by  TEXT,
        PRIMARY KEY (room, id)
      ) WITHOUT ROWID;
      CREATE INDEX archive_entries_user_id ON archive_entries (user_id);
      CREATE INDEX archive_entries_ts ON archive_entries (ts);
      CREATE TABLE archive_erasures (
        user_id     TEXT PRIMARY KEY,
        erased_at   INTEGER NOT NULL
      );
    `,
  },
  SQLITE_MODERATION_LOG_MIGRATION,
];
