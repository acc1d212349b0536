/**
 * Bundles the browser pages (src/client/*-page.ts) with esbuild into public/build/, Socket.IO
 * client included, so every page is served from our own origin with no CDN.
 *   tsx scripts/build-client.ts            (part of `npm run build`)
 */
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";

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

/** How every browser bundle is built (the pages here, the SDK in build-sdk.ts): ESM, dependencies included. */
export const BROWSER_BUNDLE = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  sourcemap: true,
  logLevel: "warning",
} satisfies BuildOptions;

/** One bundle per page; the names are what public/*.html load from /build/. */
export const CLIENT_ENTRIES = { viewer: "src/client/viewer-page.ts", studio: "src/client/studio-page.ts", ops: "src/client/ops-page.ts" };

export async function buildClient(options: Partial<BuildClientOptions> = {}): Promise<void> {
  const opts = { ...defaults, ...options } satisfies BuildClientOptions;
  await build({
    absWorkingDir: opts.root,
    entryPoints: CLIENT_ENTRIES,
    outdir: "public/build",
    ...BROWSER_BUNDLE,
    minify: opts.minify,
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildClient();
}
