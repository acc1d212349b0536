import { defineConfig } from "vitest/config";

/**
 * Three projects, so a change can be checked in seconds and the whole suite still runs in one command:
 *
 * - `unit`: `src/**` tests that need no Redis and start no server processes (a few start an in-process
 *   server on a free loopback port), and the bench's own units (`bench/**`). `npm run test:unit`,
 *   well under a minute, no redis-server needed.
 * - `cluster`: everything under `test/` but the browser, plus `src/**` tests named `redis-*.test.ts`
 *   or `postgres-*.test.ts` (storage suites against the real servers): one shared 6-node Redis
 *   Cluster (test/global-setup.ts) and one shared private PostgreSQL (test/global-setup-postgres.ts);
 *   fault tests start their own. `npm run test:cluster`.
 * - `e2e`: Debian's Chromium driving the pages and the embed example against replicas on the shared
 *   cluster. `npm run test:e2e`.
 *
 * `npm test` runs all three (after the type-check). `npm run test:compose` (vitest.compose.config.ts)
 * runs docker-compose.yml on a Docker engine of its own, apart from these.
 */
const SERVER_BACKED_UNITS = ["src/**/redis-*.test.ts", "src/**/postgres-*.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["src/**/*.test.ts", "bench/**/*.test.ts"], exclude: SERVER_BACKED_UNITS },
      },
      {
        extends: true,
        test: {
          name: "cluster",
          include: ["test/**/*.test.ts", ...SERVER_BACKED_UNITS],
          // test/compose/: `npm run test:compose` (vitest.compose.config.ts), its own Docker engine.
          exclude: ["test/e2e/**", "test/compose/**"],
          globalSetup: ["test/global-setup.ts", "test/global-setup-postgres.ts"],
        },
      },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], globalSetup: ["test/global-setup.ts"] },
      },
    ],
  },
});
