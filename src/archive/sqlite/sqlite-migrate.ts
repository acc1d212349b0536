/**
 * Schema migrations of the SQLite archive at open: the version applied is the file's
 * `user_version`; each migration runs in a `BEGIN IMMEDIATE` transaction (the file's write lock)
 * that first re-reads the version, so two processes opening one file at once migrate it once.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { ArchiveMigration } from "../archive-migration.js";

export interface SqliteMigrationReport {
  /** Versions this call applied. */
  applied: number[];
  /** The file's version now; above the newest known one when a newer release migrated it. */
  version: number;
}

export function migrateSqlite(db: BetterSqlite3.Database, migrations: readonly ArchiveMigration[]): SqliteMigrationReport {
  const version = () => db.pragma("user_version", { simple: true }) as number;
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    db.transaction(() => {
      if (version() >= m.version) return;
      try {
        db.exec(m.sql);
      } catch (err) {
        throw new Error(`archive migration ${m.version} (${m.name}) failed`, { cause: err });
      }
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
      applied.push(m.version);
    }).immediate();
  }
  return { applied, version: version() };
}
