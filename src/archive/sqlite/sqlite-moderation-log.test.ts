import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll } from "vitest";
import { moderationLogSuite } from "../../store/moderation-log.suite.js";
import { migrateSqlite } from "./sqlite-migrate.js";
import { SQLITE_MIGRATIONS } from "./sqlite-migrations.js";
import { SqliteModerationLog } from "./sqlite-moderation-log.js";

const dir = mkdtempSync(join(tmpdir(), "moderation-log-"));
const db = new Database(join(dir, "archive.db"));
migrateSqlite(db, SQLITE_MIGRATIONS);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

moderationLogSuite("SQLite archive", async () => new SqliteModerationLog(db), { bounded: false });
