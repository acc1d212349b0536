/**
 * A database of its own for a test file, in the run's shared PostgreSQL server
 * (test/global-setup-postgres.ts): created before the file's tests, dropped after them.
 */
import { afterAll, beforeAll, inject } from "vitest";
import { adminQuery, dropDatabase } from "../harness/postgres-server.js";
import "./provided-postgres.js";

let n = 0;

/** Registers the hooks; the returned function gives the database's URL (inside tests and hooks). */
export function useTestDatabase(prefix = "test"): () => string {
  const name = `${prefix}_${process.pid}_${Date.now()}_${++n}`.replace(/[^a-z0-9_]/gi, "_").toLowerCase();
  let url: string | undefined;
  beforeAll(async () => {
    const info = inject("postgres");
    await adminQuery(info.adminUrl, `CREATE DATABASE ${name}`);
    url = `postgres://${info.user}@${info.host}:${info.port}/${name}`;
  });
  afterAll(async () => {
    if (url) await dropDatabase(inject("postgres").adminUrl, name);
  });
  return () => {
    if (!url) throw new Error("the test database is made in beforeAll: call this inside a test or hook");
    return url;
  };
}
