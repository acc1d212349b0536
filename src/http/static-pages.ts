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
  /**
   * Folder with the client SDK bundle (chat-sdk.js and its .d.ts, made by `npm run build`), served
   * at /sdk/ so a site loads the SDK from the chat's own origin.
   * @default the repository's dist/sdk/, found the same way
   */
  sdkDir: string;
}

/** The first of `paths` (relative to this module) that holds `file`, else the first. */
function findDir(paths: string[], file: string): string {
  const candidates = paths.map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, file))) ?? candidates[0]!;
}

/**
 * Defense in depth behind textContent-only rendering: no inline script, nothing from another origin.
 * `connect-src 'self'` covers the same-origin WebSocket.
 */
const PAGE_CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The viewer (`/`, `/watch/:room`), streamer (`/studio/:room`) and cluster (`/ops`) pages and their
 * assets, and the client SDK at `/sdk/chat-sdk.js`.
 */
export function staticPages(options: Partial<StaticPagesOptions> = {}): Router {
  const { publicDir, sdkDir } = {
    publicDir: options.publicDir ?? findDir(["../../public", "../../../public"], "viewer.html"),
    sdkDir: options.sdkDir ?? findDir(["../../dist/sdk", "../../sdk"], "chat-sdk.js"),
  } satisfies StaticPagesOptions;
  const router = express.Router();
  const page = (file: string) => join(publicDir, file);
  const send = (file: string) => (res: express.Response) => {
    res.setHeader("Content-Security-Policy", PAGE_CSP);
    res.sendFile(page(file));
  };
  const viewer = send("viewer.html");
  const studio = send("studio.html");
  const ops = send("ops.html");

  router.get("/", (_req, res) => viewer(res));
  router.get("/watch/:room", (req, res, next) => {
    if (!isRoomId(req.params.room)) return next();
    viewer(res);
  });
  router.get("/studio/:room", (req, res, next) => {
    if (!isRoomId(req.params.room)) return next();
    studio(res);
  });
  // The cluster page: static, like the others; its data comes from GET /api/v1/cluster with the key typed into it.
  router.get("/ops", (_req, res) => ops(res));
  // Any site may load the SDK (it is public code; it carries no credentials): a module script from
  // another origin needs CORS, and a page with a strict CORP policy needs cross-origin here.
  router.use(
    "/sdk",
    express.static(sdkDir, {
      index: false,
      setHeaders: (res) => {
        res.setHeader("Access-Control-Allow-Origin", "*");
        res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
        res.setHeader("Cache-Control", "no-cache");
      },
    }),
  );
  // index: false so "/" is always the route above; no-cache lets a redeploy take effect at once.
  router.use(express.static(publicDir, { index: false, setHeaders: (res) => res.setHeader("Cache-Control", "no-cache") }));
  return router;
}
