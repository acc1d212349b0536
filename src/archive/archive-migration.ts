/**
 * One step of an archive's schema (each implementation has its ordered list: postgres/ and
 * sqlite/ `*-migrations.ts`), applied once, in order, at start.
 *
 * Rules, because replicas of two releases run side by side during a rolling upgrade: a migration
 * only adds (tables, columns that are nullable or have a default, indexes); a column or table is
 * dropped only in a later release, once no running release reads it. A shipped migration is never
 * edited: add the next one. Fields of later issues (reply-to, badges, ...) start in the entries'
 * `extra` JSON; one that needs querying gets a column and an index in a new migration, and the
 * moderation log a table of its own, the same way.
 */
export interface ArchiveMigration {
  /** 1, 2, 3, ...: the order, and what the database records as applied. */
  version: number;
  name: string;
  /** One or more statements; applied in one transaction with the version's bookkeeping. */
  sql: string;
}
