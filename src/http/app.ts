import express, { type Express } from "express";
import type { Registry } from "prom-client";
import { staticPages } from "./static-pages.js";

export interface HttpAppDeps {
  /** True while the server should take new traffic: backends reachable and not draining. */
  ready: () => Promise<boolean>;
  /** Served at /metrics in Prometheus text format. @default undefined: no /metrics */
  metrics?: Registry;
}

/** The Express app beside Socket.IO: health, readiness, metrics (and the pages, when mounted). */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  // Liveness: the process answers. Never depends on Redis, so a Redis outage restarts nothing.
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/readyz", async (_req, res) => {
    const ok = await deps.ready().catch(() => false);
    res.status(ok ? 200 : 503).json({ ok });
  });
  const registry = deps.metrics;
  if (registry) {
    app.get("/metrics", async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
  }
  app.use(staticPages());
  return app;
}
