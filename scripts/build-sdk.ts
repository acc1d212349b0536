/**
 * Bundles the client SDK (src/sdk) with esbuild into one ESM file, socket.io-client included, that
 * the chat server serves at /sdk/chat-sdk.js for sites that embed the chat; its declarations come
 * from `tsc -p tsconfig.sdk-types.json` (part of `npm run build`) under dist/sdk/types/.
 *   tsx scripts/build-sdk.ts            (part of `npm run build`)
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BROWSER_BUNDLE } from "./build-client.js";

export interface BuildSdkOptions {
  /** Repository root. @default the folder above scripts/ */
  root: string;
  /** Output folder, relative to `root`; the server serves it at /sdk/. @default "dist/sdk" */
  outdir: string;
  /** Minify the bundle. @default true */
  minify: boolean;
}

const defaults: BuildSdkOptions = {
  root: fileURLToPath(new URL("..", import.meta.url)),
  outdir: "dist/sdk",
  minify: true,
};

/** The bundle's file name, and so its path on the chat server: /sdk/chat-sdk.js. */
export const SDK_BUNDLE = "chat-sdk.js";

export async function buildSdk(options: Partial<BuildSdkOptions> = {}): Promise<void> {
  const opts = { ...defaults, ...options } satisfies BuildSdkOptions;
  const outdir = join(opts.root, opts.outdir);
  await build({
    absWorkingDir: opts.root,
    entryPoints: { "chat-sdk": "src/sdk/index.ts" },
    outdir,
    // With socket.io-client's browser build (a global WebSocket): browsers, Node 22+, Deno.
    ...BROWSER_BUNDLE,
    minify: opts.minify,
  });
  // One .d.ts beside the bundle, naming the declarations tsc emits into types/.
  await mkdir(outdir, { recursive: true });
  await writeFile(join(outdir, "chat-sdk.d.ts"), 'export * from "./types/sdk/index.js";\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildSdk();
}
