/**
 * Bundles the browser pages (src/client/*-page.ts) with esbuild into public/build/, Socket.IO
 * client included, so every page is served from our own origin with no CDN.
 *   tsx scripts/build-client.ts            (part of `npm run build`)
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface BuildClientOptions {
  /** Repository root. @default the folder above scripts/ */
  root: string;
  /** Minify the bundles. @default true */
  minify: boolean;
}

const defaults: BuildClientOptions = {
  root: fileURLToPath(new URL("..", import.meta.url)),
  minify: true,
};

/** One bundle per page; the names are what public/*.html load from /build/. */
export const CLIENT_ENTRIES = { viewer: "src/client/viewer-page.ts", studio: "src/client/studio-page.ts" };

export async function buildClient(options: Partial<BuildClientOptions> = {}): Promise<void> {
  const opts = { ...defaults, ...options } satisfies BuildClientOptions;
  await build({
    absWorkingDir: opts.root,
    entryPoints: CLIENT_ENTRIES,
    outdir: "public/build",
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: opts.minify,
    sourcemap: true,
    logLevel: "warning",
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildClient();
}
