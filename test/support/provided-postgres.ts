import type { PostgresInfo } from "../harness/postgres-server.js";

/** What test/global-setup-postgres.ts provides to every test file through vitest's inject(). */
declare module "vitest" {
  export interface ProvidedContext {
    /** The run's shared private PostgreSQL server (trust authentication, superuser `postgres`). */
    postgres: PostgresInfo;
  }
}

export {};
