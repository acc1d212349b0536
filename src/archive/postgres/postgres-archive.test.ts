import pg from "pg";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../test/support/test-database.js";
import { encodeMessageId } from "../../store/message-id.js";
import type { ArchivedEntry, MessageArchive } from "../message-archive.js";
import { messageArchiveSuite } from "../message-archive.suite.js";
import { openPostgresArchive } from "./postgres-archive.js";
import { POSTGRES_MIGRATIONS } from "./postgres-migrations.js";

const logger = pino({ level: "silent" });
// One database for the file (the suite's tests use rooms and users of their own), one per
// migration test (those need a database nobody migrated yet).
const databaseUrl = useTestDatabase("archive");
const migrationDbs = Array.from({ length: 2 }, () => useTestDatabase("migrate"));
const planDb = useTestDatabase("plan");

messageArchiveSuite("PostgreSQL", async (options) => {
  const open = () => openPostgresArchive({ logger }, { connectionString: databaseUrl(), archive: options });
  let archive: MessageArchive = (await open()).archive;
  return {
    archive,
    async reopen() {
      await archive.close();
      archive = (await open()).archive;
      return archive;
    },
    close: () => archive.close(),
  };
});

describe("PostgreSQL archive migrations", () => {
  it("migrates once when many replicas start together, and not again on a restart", async () => {
    const url = migrationDbs[0]!();
    const opened = await Promise.all(Array.from({ length: 6 }, () => openPostgresArchive({ logger }, { connectionString: url })));
    try {
      const versions = POSTGRES_MIGRATIONS.map((m) => m.version);
      // Exactly one replica applied each migration; the others found it done.
      expect(opened.flatMap((o) => o.migrations.applied).sort()).toEqual(versions);
      expect(opened.every((o) => o.migrations.version === Math.max(...versions))).toBe(true);
    } finally {
      await Promise.all(opened.map((o) => o.archive.close()));
    }
    const again = await openPostgresArchive({ logger }, { connectionString: url });
    expect(again.migrations.applied).toEqual([]);
    await again.archive.close();
  });

  it("applies a failing migration not at all and says which one failed", async () => {
    const url = migrationDbs[1]!();
    const { migrate } = await import("./migrate.js");
    const { pgSqlClient, createPgPool } = await import("./pg-sql-client.js");
    const sql = pgSqlClient(createPgPool({ connectionString: url, maxConnections: 2, connectTimeoutMs: 5000, queryTimeoutMs: 10_000 }, () => undefined));
    try {
      const steps = [
        { version: 1, name: "one", sql: "CREATE TABLE a (x int)" },
        { version: 2, name: "two", sql: "CREATE TABLE b (x int); CREATE TABLE a (y int)" },
      ];
      await expect(migrate(sql, steps)).rejects.toThrow(/archive migration 2 \(two\) failed/);
      const tables = await sql.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      expect(tables.rows.map((r) => r.t)).toEqual(["a", "archive_migrations"]);
      expect(await migrate(sql, [steps[0]!, { ...steps[1]!, sql: "CREATE TABLE b (x int)" }])).toEqual({ applied: [2], version: 2 });
    } finally {
      await sql.close();
    }
  });
});

describe("PostgreSQL archive under concurrency", () => {
  it("leaves none of a user's entries when inserts of them race an erasure", async () => {
    const { archive } = await openPostgresArchive({ logger }, { connectionString: databaseUrl(), pool: { maxConnections: 8 } });
    try {
      const upTo = Date.UTC(2026, 0, 2);
      for (let round = 0; round < 3; round++) {
        const user = { id: `racer-${process.pid}-${round}`, name: "R", role: "viewer" as const };
        const room = `race-${process.pid}-${round}`;
        let i = 0;
        const batch = (): ArchivedEntry[] =>
          Array.from({ length: 20 }, () => {
            const ms = upTo - 1_000_000 + i++;
            return { room, id: encodeMessageId(ms, 0), ts: ms, kind: "chat" as const, text: "x", user };
          });
        await archive.insert(batch());
        // Writers keep archiving the user's older entries (as a write-behind that read them
        // before the erasure would) while the erasure runs.
        let erasing = true;
        const writers = Array.from({ length: 6 }, async () => {
          while (erasing) await archive.insert(batch());
          await archive.insert(batch()); // and once more after it finished
        });
        await new Promise((r) => setTimeout(r, 20));
        await archive.eraseUser(user.id, { upTo });
        erasing = false;
        await Promise.all(writers);
        const left: ArchivedEntry[] = [];
        for await (const e of archive.export(room)) left.push(e);
        expect(left).toEqual([]);
      }
    } finally {
      await archive.close();
    }
  });

  it("reads a page through the primary key, newest first, without sorting, even before any ANALYZE", async () => {
    const url = planDb();
    const { archive } = await openPostgresArchive({ logger }, { connectionString: url });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const room = `plan-${process.pid}`;
      const user = { id: "u", name: "U", role: "viewer" as const };
      for (let b = 0; b < 20; b++) {
        await archive.insert(Array.from({ length: 500 }, (_, i) => ({ room, id: encodeMessageId(1e12 + b * 500 + i, 0), ts: 1e12 + b * 500 + i, kind: "chat" as const, text: "t", user })));
      }
      // No ANALYZE (autovacuum has not come by yet): the archive's session setting keeps the plan.
      const { PAGE_BEFORE, SESSION_SETUP } = await import("./postgres-sql.js");
      await client.query(SESSION_SETUP);
      const plan = await client.query(`EXPLAIN ${PAGE_BEFORE}`, [room, encodeMessageId(1e12 + 5000, 0), 51]);
      const text = plan.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
      expect(text).toMatch(/Index Scan Backward using archive_entries_pkey/);
      expect(text).not.toMatch(/Sort/);
    } finally {
      await client.end();
      await archive.close();
    }
  });
});
