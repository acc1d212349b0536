import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";
import { isRoomId } from "../protocol/index.js";

export interface StaticPagesOptions {
  /**
   * Folder with the pages, styles and the client bundle (public/build, made by `npm run build`).
   * @default the repository's public/, found from this module under src/ (tsx) or dist/src/ (built)
   */
  publicDir: string;
}

function defaultPublicDir(): string {
  const candidates = ["../../public", "../../../public"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, "viewer.html"))) ?? candidates[0]!;
}

/**
 * Defense in depth behind textContent-only rendering: no inline script, nothing from another origin.
 * `connect-src 'self'` covers the same-origin WebSocket.
 */
const PAGE_CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The viewer (`/`, `/watch/:room`) and streamer (`/studio/:room`) pages and their assets. */
export function staticPages(options: Partial<StaticPagesOptions> = {}): Router {
  const { publicDir } = { publicDir: options.publicDir ?? defaultPublicDir() } satisfies StaticPagesOptions;
  const router = express.Router();
  const page = (file: string) => join(publicDir, file);
  const send = (file: string) => (res: express.Response) => {
    res.setHeader("Content-Security-Policy", PAGE_CSP);
    res.sendFile(page(file));
  };
  const viewer = send("viewer.html");
  const studio = send("studio.html");

  router.get("/", (_req, res) => viewer(res));
  router.get("/watch/:room", (req, res, next) => {
    if (!isRoomId(req.params.room)) return next();
    viewer(res);
  });
  router.get("/studio/:room", (req, res, next) => {
    if (!isRoomId(req.params.room)) return next();
    studio(res);
  });
  // index: false so "/" is always the route above; no-cache lets a redeploy take effect at once.
  router.use(express.static(publicDir, { index: false, setHeaders: (res) => res.setHeader("Cache-Control", "no-cache") }));
  return router;
}
