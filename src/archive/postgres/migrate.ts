/**
 * Schema migrations at start, once however many replicas start together: a session-level advisory
 * lock serializes them, and each migration commits in one transaction with its row in
 * `archive_migrations`, so a replica killed halfway leaves the schema at a version it can resume
 * from. Small on purpose (about 50 lines, no CLI, no dependency): it runs on any {@link SqlClient},
 * so the migrations ship inside the server and run at its start, on the pool it already has.
 */
import type { ArchiveMigration } from "../archive-migration.js";
import type { SqlClient, SqlQueryable } from "./sql-client.js";

/** Any fixed 64-bit key; names the archive's migrations among other users of advisory locks. */
const MIGRATION_LOCK_KEY = 7_316_201_920_000_020;

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS archive_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
)`;

export interface MigrationReport {
  /** Versions this call applied (empty when another replica had already done it). */
  applied: number[];
  /** The schema's version now; above the newest known one when a newer release migrated it. */
  version: number;
}

async function appliedVersions(conn: SqlQueryable): Promise<Set<number>> {
  const { rows } = await conn.query<{ version: number }>("SELECT version FROM archive_migrations");
  return new Set(rows.map((r) => r.version));
}

/** Brings the schema up to date with `migrations` (ordered by version). */
export async function migrate(client: SqlClient, migrations: readonly ArchiveMigration[]): Promise<MigrationReport> {
  return client.session(async (conn) => {
    await conn.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await conn.query(BOOKKEEPING);
      const done = await appliedVersions(conn);
      const applied: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await conn.exec(`BEGIN;\n${m.sql};\nINSERT INTO archive_migrations (version, name) VALUES (${m.version}, '${m.name.replaceAll("'", "''")}');\nCOMMIT;`).catch(async (err: unknown) => {
          await conn.exec("ROLLBACK").catch(() => undefined);
          throw new Error(`archive migration ${m.version} (${m.name}) failed`, { cause: err });
        });
        applied.push(m.version);
        done.add(m.version);
      }
      return { applied, version: Math.max(0, ...done) };
    } finally {
      await conn.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  });
}
