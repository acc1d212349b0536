/**
 * `node --import tsx bench/profile-summary.ts FILE.cpuprofile...`: where a replica's CPU went,
 * by package (node_modules/<name>, node: internals, this repo's src/) and by function, self time.
 * Profiles come from `npm run bench -- --cpu-prof DIR`.
 */
import { readFileSync } from "node:fs";
import { textTable } from "./report/text-table.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function where(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith("node:")) return url.split("/")[0]!;
  if (url.includes("/src/")) return `src/${url.split("/src/")[1]!.split("/")[0]}`;
  return url === "" ? "(native / GC / idle)" : url.split("/").slice(-2).join("/");
}

const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[] };
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const name = n.callFrame.functionName || "(anonymous)";
    if (name === "(idle)" || name === "(program)") continue;
    total += hits;
    byPackage.set(where(n.callFrame.url), (byPackage.get(where(n.callFrame.url)) ?? 0) + hits);
    const fn = `${name} ${where(n.callFrame.url)}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
  }
}
const top = (m: Map<string, number>, n: number) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, `${((100 * v) / total).toFixed(1)}%`]);
console.log(`busy samples: ${total} (idle and program excluded)\n`);
console.log(textTable(["where", "self time"], top(byPackage, 15)));
console.log();
console.log(textTable(["function", "self time"], top(byFunction, 25)));
