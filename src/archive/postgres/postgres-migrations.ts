/** The PostgreSQL archive's schema (rules for adding to it: archive-migration.ts). */
import type { ArchiveMigration } from "../archive-migration.js";
import { POSTGRES_MODERATION_LOG_MIGRATION } from "../moderation-log-migration.js";

export const POSTGRES_MIGRATIONS: readonly ArchiveMigration[] = [
  {
    version: 1,
    name: "entries, erasures",
    sql: `
      -- One row per room entry. "C" collation: ids and rooms compare byte by byte, which is the
      -- ids' sort order (message-id.ts) and cheaper than a locale's collation.
      CREATE TABLE archive_entries (
        room        text COLLATE "C" NOT NULL,
        id          text COLLATE "C" NOT NULL,
        ts          bigint NOT NULL,
        kind        text NOT NULL,
        body        text NOT NULL,
        user_id     text NOT NULL,
        user_name   text NOT NULL,
        user_role   text NOT NULL,
        is_system   boolean NOT NULL DEFAULT false,
        extra       jsonb NOT NULL DEFAULT '{}',
        deleted_at  bigint,
        deleted_by  text,
        PRIMARY KEY (room, id)
      );
      -- Erasure finds a user's entries in every room.
      CREATE INDEX archive_entries_user_id ON archive_entries (user_id);
      -- Retention deletes by age across rooms, a chunk at a time.
      CREATE INDEX archive_entries_ts ON archive_entries (ts);

      -- A user erased up to erased_at: inserts of their older entries are refused, so a
      -- write-behind that read them before the erasure cannot bring them back.
      CREATE TABLE archive_erasures (
        user_id     text PRIMARY KEY,
        erased_at   bigint NOT NULL
      );
    `,
  },
  POSTGRES_MODERATION_LOG_MIGRATION,
];
