/**
 * vitest globalSetup: one private PostgreSQL server for the whole run (about 1.5 s to initdb and
 * start), never the machine's own service. Test files reach it with `inject("postgres")` (typed in
 * test/support/provided-postgres.ts) and make a database of their own in it with
 * `useTestDatabase()` (test/support/test-database.ts). Tests that stop, freeze or kill PostgreSQL
 * start their own with `startPostgres()` (test/harness/postgres-server.ts).
 *
 * Shared through `globalThis` by reference count, as test/global-setup.ts shares the Redis Cluster,
 * so any number of projects can name this file and the server starts once.
 */
import type { TestProject } from "vitest/node";
import { startPostgres, type PostgresServerHandle } from "./harness/postgres-server.js";
import "./support/provided-postgres.js";

interface SharedServer {
  server: Promise<PostgresServerHandle>;
  users: number;
}
const KEY = Symbol.for("live-chat:test-postgres");
const registry = globalThis as unknown as Record<symbol, SharedServer | undefined>;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry[KEY] ??= { server: startPostgres(), users: 0 });
  shared.users++;
  const server = await shared.server;
  project.provide("postgres", { host: server.host, port: server.port, user: server.user, adminUrl: server.adminUrl });
  return async () => {
    if (--shared.users > 0) return;
    registry[KEY] = undefined;
    await server.close();
  };
}
