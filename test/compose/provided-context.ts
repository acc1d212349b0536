import type { DockerAccess } from "../harness/docker-engine.js";

/** Values test/compose/global-setup.ts provides to the compose test files through vitest's inject(). */
declare module "vitest" {
  export interface ProvidedContext {
    /** The run's own Docker engine, with the base images docker-compose.yml needs. */
    docker: DockerAccess;
  }
}

export {};
