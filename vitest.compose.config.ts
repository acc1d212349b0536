import { defineConfig } from "vitest/config";

/**
 * `npm run test:compose`: docker-compose.yml run for real on a Docker engine the run starts itself
 * (test/compose/global-setup.ts). Not part of `npm test`: it needs root, dockerd, docker-compose and
 * debootstrap, and takes a few minutes (more on a machine's first run, which builds the base
 * images). `.ci/run` runs it after `npm test`.
 */
export default defineConfig({
  test: {
    name: "compose",
    include: ["test/compose/**/*.test.ts"],
    globalSetup: ["test/compose/global-setup.ts"],
    // One engine and one compose project per file: files run one after another.
    fileParallelism: false,
    testTimeout: 180_000,
    // `docker-compose up --build` builds the chat image (npm ci, twice) on a cold machine.
    hookTimeout: 900_000,
    teardownTimeout: 120_000,
  },
});
