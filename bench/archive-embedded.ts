/**
 * `npm run bench:archive-embedded`: the embedded archive's candidates measured side by side, each
 * in fresh processes of its own (so memory is the engine's alone):
 *
 * - SQLite through better-sqlite3 12: the embedded archive (src/archive/sqlite/),
 * - PGlite 0.5: the PostgreSQL archive (src/archive/postgres/) run on it
 *   (bench/archive/pglite-candidate.ts); measured only when installed:
 *   `npm install --no-save @electric-sql/pglite@0.5`.
 *
 *   npm run bench:archive-embedded [-- --rows 100000 --singles 2000 --pages 2000 --engines pglite,sqlite]
 *
 * Per engine, a cold process (empty directory: open + migrate; `--singles` inserts of one entry;
 * `--rows` entries in batches of 100 into one room; random pages of 50 before an id in it) and
 * then a warm one (a new process on that directory, as after a restart: open + migrate, the same
 * page reads). Memory is what the process holds beyond its own before the engine was imported.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Histogram } from "./load/histogram.js";
import { roomEntries } from "./archive/archive-entries.js";
import type { BenchArchive } from "./archive/bench-archive.js";
import { textTable } from "./report/text-table.js";

const ENGINES = ["sqlite", "pglite"] as const;
type Engine = (typeof ENGINES)[number];

interface ChildResult {
  engine: Engine;
  phase: "cold" | "warm";
  openMs: number;
  singlesPerSec?: number;
  batchRowsPerSec?: number;
  pageP50: number;
  pageP99: number;
  rssAddedMb: number;
  rssPeakMb: number;
  heapAddedMb: number;
  diskMb: number;
}

const START_MS = Date.UTC(2026, 0, 1);
const ROOM = "bench-big-room";

function memory(): { rss: number; heap: number; peak: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const peakKb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, peak: peakKb * 1024 };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Bytes of every file under `dir`. */
function du(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? du(p) : statSync(p).size;
  }
  return total;
}

async function openEngine(engine: Engine, dir: string): Promise<BenchArchive> {
  if (engine === "pglite") {
    const { openPgliteCandidate } = await import("./archive/pglite-candidate.js");
    return openPgliteCandidate(dir);
  }
  const { openSqliteArchive } = await import("../src/archive/sqlite/sqlite-archive.js");
  const { archive } = await openSqliteArchive({ dataDir: dir });
  return {
    insert: (entries) => archive.insert(entries),
    page: (room, before, limit) => archive.page(room, { before, limit }),
    afterLoad: async () => undefined,
    close: () => archive.close(),
  };
}

async function pageReads(db: BenchArchive, pages: number, rows: number): Promise<Histogram> {
  const h = new Histogram();
  for (let i = 0; i < pages; i++) {
    const before = roomEntries(ROOM, START_MS, 1, Math.floor(Math.random() * rows))[0]!.id;
    const t = performance.now();
    const page = await db.page(ROOM, before, 50);
    h.record(performance.now() - t);
    if (page.entries.length === 0 && rows > 0) throw new Error("empty page");
  }
  return h;
}

/** One measured process: prints its {@link ChildResult} as JSON on the last line. */
async function child(engine: Engine, phase: "cold" | "warm", dir: string, rows: number, singles: number, pages: number): Promise<void> {
  gc();
  const base = memory();
  let t = performance.now();
  const db = await openEngine(engine, dir);
  const openMs = performance.now() - t;
  const result: Partial<ChildResult> = { engine, phase, openMs };
  if (phase === "cold") {
    t = performance.now();
    for (let i = 0; i < singles; i++) await db.insert(roomEntries("bench-singles", START_MS, 1, i));
    result.singlesPerSec = singles / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 0; i < rows; i += 100) await db.insert(roomEntries(ROOM, START_MS, Math.min(100, rows - i), i));
    result.batchRowsPerSec = rows / ((performance.now() - t) / 1000);
    await db.afterLoad();
  }
  const h = await pageReads(db, pages, rows);
  gc();
  const after = memory();
  await db.close();
  Object.assign(result, {
    pageP50: h.quantile(0.5),
    pageP99: h.quantile(0.99),
    rssAddedMb: (after.rss - base.rss) / 1e6,
    rssPeakMb: after.peak / 1e6,
    heapAddedMb: (after.heap - base.heap) / 1e6,
    diskMb: du(dir) / 1e6,
  });
  console.log(JSON.stringify(result));
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", "--import", "tsx", new URL(import.meta.url).pathname, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    p.once("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last) as ChildResult);
      else reject(new Error(`${args.join(" ")}: exit ${code}\n${out}`));
    });
  });
}

/** Both engines are optional packages: better-sqlite3 an optional dependency, PGlite none at all. */
async function installed(engine: Engine): Promise<boolean> {
  try {
    await import(/* optional */ (engine === "sqlite" ? "better-sqlite3" : "@electric-sql/pglite") as string);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: "string" },
      phase: { type: "string", default: "cold" },
      dir: { type: "string" },
      rows: { type: "string", default: "100000" },
      singles: { type: "string", default: "2000" },
      pages: { type: "string", default: "2000" },
      engines: { type: "string", default: ENGINES.join(",") },
    },
  });
  const rows = Number(values.rows);
  const singles = Number(values.singles);
  const pages = Number(values.pages);
  if (values.child) return child(values.child as Engine, values.phase as "cold" | "warm", values.dir!, rows, singles, pages);

  const results: ChildResult[] = [];
  const skipped: string[] = [];
  for (const engine of values.engines.split(",") as Engine[]) {
    if (!(await installed(engine))) {
      skipped.push(`${engine}: not installed (${engine === "sqlite" ? "npm rebuild better-sqlite3" : "npm install --no-save @electric-sql/pglite@0.5"})`);
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), `archive-bench-${engine}-`));
    try {
      const common = ["--child", engine, "--dir", dir, "--rows", String(rows), "--singles", String(singles), "--pages", String(pages)];
      console.error(`${engine}: cold process (open, ${singles} single inserts, ${rows} rows in batches of 100, ${pages} pages)`);
      results.push(await runChild([...common, "--phase", "cold"]));
      console.error(`${engine}: warm process (reopen, ${pages} pages)`);
      results.push(await runChild([...common, "--phase", "warm"]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const f = (n: number | undefined, d = 1) => (n === undefined ? "" : n.toFixed(d));
  const k = (n: number | undefined) => (n === undefined ? "" : Math.round(n).toLocaleString("en-US"));
  console.log(
    textTable(
      ["engine", "process", "open+migrate ms", "inserts/s (1)", "rows/s (100)", `page p50 ms`, "page p99 ms", "RSS added MB", "RSS peak MB", "heap added MB", "disk MB"],
      results.map((r) => [r.engine, r.phase, f(r.openMs, 0), k(r.singlesPerSec), k(r.batchRowsPerSec), f(r.pageP50, 2), f(r.pageP99, 2), f(r.rssAddedMb), f(r.rssPeakMb), f(r.heapAddedMb), f(r.diskMb)]),
    ),
  );
  console.log(`room of ${rows.toLocaleString("en-US")} entries, pages of 50 before a random id; Node ${process.version}`);
  console.log(`load average at the end (1/5/15 min, 2 cores): ${loadavg().map((x) => x.toFixed(1)).join(" / ")}`);
  for (const s of skipped) console.log(`skipped ${s}`);
}

await main();
