/**
 * vitest globalSetup of the `compose` run (vitest.compose.config.ts, `npm run test:compose`): one
 * Docker engine of the run's own (test/harness/docker-engine.ts) with the base images
 * docker-compose.yml needs (real ones if present, else stand-ins: test/harness/stand-in-images.ts),
 * stopped with everything it created when the run ends. Test files reach it with
 * `inject("docker")` and run their own compose projects on it.
 */
import type { TestProject } from "vitest/node";
import { baseImagesOf } from "../harness/compose-project.js";
import { startDockerEngine } from "../harness/docker-engine.js";
import { provideImages } from "../harness/stand-in-images.js";
import "./provided-context.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const engine = await startDockerEngine();
  try {
    const reports = await provideImages(engine, baseImagesOf());
    const images = reports.map((r) => `${r.image} ${r.standIn ? "stand-in" : "real"}, ${r.source} (${(r.ms / 1000).toFixed(1)} s)`);
    console.log(`docker engine ${engine.host} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${images.join("; ")}`);
    project.provide("docker", engine.access);
  } catch (err) {
    await engine.stop();
    throw err;
  }
  return () => engine.stop();
}
