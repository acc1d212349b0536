import express, { type Express, type Router } from "express";
import type { Registry } from "prom-client";
import { staticPages } from "./static-pages.js";

export interface HttpAppDeps {
  /** True while the server should take new traffic: backends reachable and not draining. */
  ready: () => Promise<boolean>;
  /** Served at /metrics in Prometheus text format. @default undefined: no /metrics */
  metrics?: Registry;
  /** Routers mounted by path before the pages (the server HTTP API). @default none */
  mounts?: Record<string, Router>;
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
  for (const [path, router] of Object.entries(deps.mounts ?? {})) app.use(path, router);
  app.use(staticPages());
  return app;
}
