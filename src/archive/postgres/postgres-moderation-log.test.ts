import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../test/support/test-database.js";
import { moderationLogSuite } from "../../store/moderation-log.suite.js";
import { migrate } from "./migrate.js";
import { createPgPool, defaultPgPoolOptions, pgSqlClient } from "./pg-sql-client.js";
import { openPostgresArchive } from "./postgres-archive.js";
import { POSTGRES_MIGRATIONS } from "./postgres-migrations.js";
import { PostgresModerationLog } from "./postgres-moderation-log.js";
import type { SqlClient } from "./sql-client.js";

const logger = pino({ level: "silent" });
const databaseUrl = useTestDatabase("modlog");
let sql: SqlClient;
beforeAll(async () => {
  sql = pgSqlClient(createPgPool({ ...defaultPgPoolOptions, connectionString: databaseUrl() }, (err) => logger.warn({ err }, "pool error")));
  await migrate(sql, POSTGRES_MIGRATIONS);
});
afterAll(async () => {
  await sql?.close();
});

moderationLogSuite("PostgreSQL archive", async () => new PostgresModerationLog(sql), { bounded: false });

describe("openPostgresArchive's moderation log", () => {
  it("is on the archive's database: what one replica appends, another replica's log reads", async () => {
    const one = await openPostgresArchive({ logger }, { connectionString: databaseUrl() });
    const two = await openPostgresArchive({ logger }, { connectionString: databaseUrl() });
    try {
      const room = `opened-${Date.now()}`;
      const stored = await one.moderationLog.append({ room, at: 1_000, by: { id: "m", name: "M" }, action: "ban", target: { userId: "u" } });
      expect(await two.moderationLog.list(room, { limit: 10 })).toEqual([stored]);
      expect(await two.moderationLog.prune(2_000)).toBeGreaterThanOrEqual(1);
      expect(await one.moderationLog.list(room, { limit: 10 })).toEqual([]);
    } finally {
      await one.archive.close();
      await two.archive.close();
    }
  });
});
