import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { useTestDatabase } from "../../../test/support/test-database.js";
import { moderationLogSuite } from "../../store/moderation-log.suite.js";
import { migrate } from "./migrate.js";
import { createPgPool, defaultPgPoolOptions, pgSqlClient } from "./pg-sql-client.js";
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
