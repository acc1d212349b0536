import express, { type Express } from "express";

export interface HttpAppDeps {
  /** True while the server should take new traffic (false while draining). */
  ready: () => boolean | Promise<boolean>;
}

/** The Express app beside Socket.IO: health endpoints now, pages and metrics as they come. */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/readyz", async (_req, res) => {
    const ok = await Promise.resolve(deps.ready()).catch(() => false);
    res.status(ok ? 200 : 503).json({ ok });
  });
  return app;
}
