/**
 * For the guard tests of library internals (`src/<folder>/internals.test.ts`): exact pins, and the
 * libraries' own module files, which their `exports` maps hide from a plain `require`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };

function installedVersion(name: string): string {
  // Resolve the package's own package.json next to its entry point (exports may hide it).
  const entry = require.resolve(name);
  const root = entry.slice(0, entry.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
  return (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string }).version;
}

/** Each package is pinned to an exact version in package.json, and that version is installed. */
export function expectPinned(names: readonly string[]): void {
  for (const name of names) {
    expect(pkg.dependencies[name], `${name} must be pinned to an exact version`).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installedVersion(name), `${name} installed`).toBe(pkg.dependencies[name]);
  }
}

/** A module file beside the package's entry point. */
export function libraryFile(name: string, file: string): string {
  const entry = require.resolve(name);
  return `${entry.slice(0, entry.lastIndexOf("/") + 1)}${file}`;
}

/** Loads a module file beside the package's entry point. */
export function loadLibraryFile<T>(name: string, file: string): T {
  return require(libraryFile(name, file)) as T;
}

/** The part of a Socket.IO namespace an adapter's constructor and `_encode` use. */
export function fakeNamespace() {
  return { name: "/", sockets: new Map(), server: { encoder: { encode: (p: unknown) => [JSON.stringify(p)] } } };
}
