/**
 * A replica with DATABASE_URL must survive PostgreSQL going away mid-transaction. Found by
 * bench:archive-e2e: a fast shutdown terminates the sweeper's insert transaction; `pg` then emits
 * `error` on the connection (`Connection terminated unexpectedly`) while it is still checked out
 * of the pool (the ROLLBACK is in flight), and pg-pool listens for errors only on idle
 * connections, so the event had no listener and crashed the process. The transaction must fail as
 * ArchiveUnavailableError instead, and the pool work again once the server is back.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveUnavailableError } from "../../src/archive/message-archive.js";
import { createPgPool, defaultPgPoolOptions, pgSqlClient } from "../../src/archive/postgres/pg-sql-client.js";
import type { SqlClient } from "../../src/archive/postgres/sql-client.js";
import { startPostgres, type PostgresServerHandle } from "../harness/postgres-server.js";

let server: PostgresServerHandle;
let sql: SqlClient;
const uncaught: unknown[] = [];
const record = (err: unknown) => void uncaught.push(err);

beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase("loss");
  const logger = pino({ level: "silent" });
  sql = pgSqlClient(createPgPool({ ...defaultPgPoolOptions, connectionString: url, queryTimeoutMs: 20_000 }, (err) => logger.warn({ err })));
  // vitest reports an uncaught exception as an error of the run; recording it too lets the test say what it was.
  process.on("uncaughtException", record);
});

afterAll(async () => {
  process.off("uncaughtException", record);
  await sql?.close();
  await server?.close();
});

describe("PostgreSQL stopped in the middle of a transaction", () => {
  it("fails the transaction as unavailable without an uncaught error, and works again after a restart", { timeout: 60_000 }, async () => {
    const running = sql.transaction((tx) => tx.query("SELECT pg_sleep(10)"));
    const failed = running.then(
      () => new Error("the transaction should have failed"),
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 500)); // the statement is running
    await server.stop();
    expect(await failed).toBeInstanceOf(ArchiveUnavailableError);
    // The connection's own 'end' comes a moment later: give it time to (not) blow up.
    await new Promise((r) => setTimeout(r, 500));
    expect(uncaught).toEqual([]);
    await server.start();
    expect((await sql.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });
});
