/**
 * The embedded archive's other candidate, PGlite (PostgreSQL compiled to WebAssembly, in process),
 * for the measurement only: the real PostgreSQL archive (src/archive/postgres/) with its
 * migrations, run on PGlite through a small SqlClient adapter. Not a dependency of the project
 * (bench/README.md says why); measured when installed: `npm install --no-save @electric-sql/pglite@0.5`.
 */
import { mkdirSync } from "node:fs";
import { migrate } from "../../src/archive/postgres/migrate.js";
import { PostgresArchive } from "../../src/archive/postgres/postgres-archive.js";
import { POSTGRES_MIGRATIONS } from "../../src/archive/postgres/postgres-migrations.js";
import type { SqlClient, SqlQueryable, SqlResult } from "../../src/archive/postgres/sql-client.js";
import type { BenchArchive } from "./bench-archive.js";

/** The slice of PGlite's API used here (its types are not installed either). */
interface PgliteQueryable {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}
interface Pglite extends PgliteQueryable {
  transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function wrap(db: PgliteQueryable): SqlQueryable {
  return {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      const r = await db.query<R>(text, params as unknown[]);
      return { rows: r.rows, rowCount: r.rows.length > 0 ? r.rows.length : (r.affectedRows ?? 0) };
    },
    async exec(text: string): Promise<void> {
      await db.exec(text);
    },
  };
}

function pgliteSqlClient(db: Pglite): SqlClient {
  const conn = wrap(db);
  return { ...conn, session: (fn) => fn(conn), transaction: (fn) => db.transaction((tx) => fn(wrap(tx))), close: () => db.close() };
}

/** Opens (creating) a PGlite database in `dir`; throws when PGlite is not installed. */
export async function openPgliteCandidate(dir: string): Promise<BenchArchive> {
  const { PGlite } = (await import(/* optional */ "@electric-sql/pglite" as string)) as { PGlite: { create(dir: string): Promise<Pglite> } };
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const sql = pgliteSqlClient(db);
  await migrate(sql, POSTGRES_MIGRATIONS);
  // No autovacuum in PGlite: without statistics the planner reads a whole room and sorts it.
  await db.exec("ANALYZE");
  const archive = new PostgresArchive(sql);
  return {
    insert: (entries) => archive.insert(entries),
    page: (room, before, limit) => archive.page(room, { before, limit }),
    afterLoad: async () => void (await db.exec("ANALYZE")),
    close: () => archive.close(),
  };
}
