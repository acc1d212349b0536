import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The running server's version for the cluster view: package.json's version (found from this
 * module under src/ with tsx or dist/src/ when built) and Node's, e.g. `0.1.0 (node v20.19.0)`.
 */
export function packageVersion(): string {
  const file = ["../../package.json", "../../../package.json"].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((f) => existsSync(f));
  let version = "unknown";
  try {
    if (file) version = String((JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version ?? version);
  } catch {
    // An unreadable package.json only costs the label.
  }
  return `${version} (node ${process.version})`;
}
