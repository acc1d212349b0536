/**
 * `npm run bench:memory`: heap and RSS per idle WebSocket viewer, this server against stock
 * Socket.IO, each server in a process of its own (measured from outside: heap through the memory
 * probe after GC, RSS from /proc), several runs each, interleaved so that the machine's other load
 * falls on all of them alike. Viewers join one room, as in a live stream.
 *
 *   npm run bench:memory [-- --viewers 6000 --steps 6 --runs 3 --variants stock,ours --snapshots DIR]
 *
 * Viewers connect in `--steps` equal steps; after each, the server is sampled after GC, and the
 * figures per viewer are the least-squares slope over those points (RSS takes page-sized steps).
 *
 * `--snapshots DIR`: one more run per variant, not counted, writes heap snapshots with half and
 * with all the viewers and prints where each viewer's bytes went (bench/heap-growth.ts); the
 * table is also written to DIR/breakdown.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LoadFleet } from "./load/load-fleet.js";
import type { ClientSpec } from "./load/load-protocol.js";
import { fitPerViewer, sampleMemory, type MemoryPerViewer, type MemorySample } from "./measure/memory-sample.js";
import { breakdown, type Breakdown } from "./heap-growth.js";
import { Cleanup } from "./process/cleanup.js";
import { markdownTable, textTable } from "./report/text-table.js";
import { ServerProcess } from "./servers/server-process.js";

interface Variant {
  name: string;
  label: string;
  start(): Promise<ServerProcess>;
}

const stock = (extra: string[]) => () => ServerProcess.start({ script: "bench/baselines/stock-server.ts", args: ["--adapter", "memory", ...extra], env: {} });
const ours = (env: Record<string, string>) => () =>
  ServerProcess.start({
    script: "src/main.ts",
    args: [],
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      // Every viewer comes from 127.0.0.1.
      MAX_CONNECTIONS_PER_IP: "1000000",
      DRAIN_DELAY_MS: "0",
      ...env,
    },
  });

const VARIANTS: Variant[] = [
  { name: "stock", label: "stock Socket.IO 4.8 (default rooms)", start: stock([]) },
  { name: "stock-no-request", label: "stock, request dropped at engine connection (Socket.IO memory docs)", start: stock(["--discard-request"]) },
  { name: "ours-ws", label: "this server, WS_ENGINE=ws", start: ours({ WS_ENGINE: "ws" }) },
  { name: "ours", label: "this server (as shipped)", start: ours({}) },
];

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const kb = (bytes: number) => (bytes / 1024).toFixed(2);

/**
 * Connects the viewers in `steps` equal steps and samples after each; the per-viewer figures are
 * fitted over those points. With `snapshots`, writes heap snapshots at half and at all the viewers.
 */
async function measure(variant: Variant, viewers: number, steps: number, cleanup: Cleanup, snapshots?: string): Promise<MemoryPerViewer> {
  const stops: (() => Promise<void>)[] = [];
  const register = (name: string, stop: () => Promise<void>) => void stops.push(cleanup.add(name, stop));
  try {
    const server = await variant.start();
    register(`${variant.name} server ${server.pid}`, () => server.stop());
    const specs: ClientSpec[] = Array.from({ length: viewers }, () => ({ url: server.url, replica: 0, rooms: ["stream"] }));
    const bounds = Array.from({ length: steps + 1 }, (_, i) => Math.floor((viewers * i) / steps));
    const points: { connections: number; sample: MemorySample }[] = [];
    let fleet: LoadFleet | undefined;
    for (let i = 1; i <= steps; i++) {
      const batch = specs.slice(bounds[i - 1], bounds[i]);
      if (fleet) await fleet.addViewers(batch);
      else {
        fleet = await LoadFleet.start(batch, [], {}, register);
        register("load", () => fleet!.close());
      }
      // Let join-time work (viewer-count announcements, timers) settle before sampling.
      await new Promise((r) => setTimeout(r, 1_500));
      points.push({ connections: bounds[i]!, sample: await sampleMemory([server]) });
      if (snapshots && (bounds[i] === viewers || bounds[i] === Math.floor(viewers / 2))) {
        await server.snapshot(join(snapshots, `${variant.name}-${bounds[i] === viewers ? "all" : "mid"}.heapsnapshot`));
      }
    }
    return fitPerViewer(points);
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** "median (min-max)" in KB. */
function spread(xs: number[]): string {
  return xs.length === 1 ? kb(xs[0]!) : `${kb(median(xs))} (${kb(Math.min(...xs))}-${kb(Math.max(...xs))})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      viewers: { type: "string", default: "6000" },
      runs: { type: "string", default: "3" },
      variants: { type: "string", default: VARIANTS.map((v) => v.name).join(",") },
      steps: { type: "string", default: "6" },
      snapshots: { type: "string" },
    },
  });
  const steps = Number(values.steps);
  const viewers = Number(values.viewers);
  const runs = Number(values.runs);
  const variants = values.variants!.split(",").map((n) => {
    const v = VARIANTS.find((x) => x.name === n);
    if (!v) throw new Error(`unknown variant ${n}; known: ${VARIANTS.map((x) => x.name).join(", ")}`);
    return v;
  });
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const results = new Map<string, MemoryPerViewer[]>(variants.map((v) => [v.name, []]));
  const parts = new Map<string, Breakdown>();
  try {
    if (values.snapshots) {
      mkdirSync(values.snapshots, { recursive: true });
      for (const v of variants) {
        log(`${v.label}: snapshot run`);
        await measure(v, viewers, 2, cleanup, values.snapshots);
        parts.set(v.name, breakdown(join(values.snapshots, `${v.name}-mid.heapsnapshot`), join(values.snapshots, `${v.name}-all.heapsnapshot`)));
      }
    }
    for (let run = 1; run <= runs; run++) {
      for (const v of variants) {
        const m = await measure(v, viewers, steps, cleanup);
        results.get(v.name)!.push(m);
        log(`run ${run}/${runs}, ${v.label}: heap ${kb(m.heapBytesPerViewer)} KB, RSS ${kb(m.rssBytesPerViewer)} KB (raw ${kb(m.rawRssBytesPerViewer)} KB) per viewer`);
      }
    }
  } finally {
    await cleanup.run();
  }

  if (runs > 0) printRuns(variants, results, viewers, runs, steps);
  if (parts.size > 0) printParts(parts, values.snapshots!);
}

function printRuns(variants: Variant[], results: Map<string, MemoryPerViewer[]>, viewers: number, runs: number, steps: number): void {
  const stockRuns = results.get("stock");
  const ratio = (xs: number[], key: keyof MemoryPerViewer) =>
    stockRuns ? `${(median(xs) / median(stockRuns.map((r) => r[key]))).toFixed(2)}x` : "-";
  const rows = variants.map((v) => {
    const rs = results.get(v.name)!;
    const heap = rs.map((r) => r.heapBytesPerViewer);
    const rss = rs.map((r) => r.rssBytesPerViewer);
    return [v.label, spread(heap), ratio(heap, "heapBytesPerViewer"), spread(rss), ratio(rss, "rssBytesPerViewer"), spread(rs.map((r) => r.rawRssBytesPerViewer))];
  });
  const header = ["server", "heap KB", "heap vs stock", "RSS KB", "RSS vs stock", "raw RSS slope KB"];
  console.log(`\nMemory per idle WebSocket viewer: slope over ${steps} points up to ${viewers} viewers (least squares, after GC), median (min-max) of ${runs} runs`);
  console.log(textTable(header, rows));
  console.log("RSS = heap slope + slope of RSS outside the V8 heap; the raw RSS slope moves by whole heap pages at each GC.");
}

function printParts(parts: Map<string, Breakdown>, dir: string): void {
  const names = [...parts.keys()];
  const labels = [...parts.get(names[0]!)!.bytes.keys()];
  const rows = labels
    .map((label) => [label, ...names.map((n) => Math.round(parts.get(n)!.bytes.get(label)!))])
    .filter((row) => row.slice(1).some((b) => Number(b) >= 8));
  rows.push(["total (heap snapshot, per connection)", ...names.map((n) => Math.round(parts.get(n)!.total))]);
  const header = ["part of a connection (first reached through)", ...names.map((n) => `${n} B`)];
  console.log(`\nWhere a viewer's heap goes (snapshot diff, ${parts.get(names[0]!)!.connections} connections added)`);
  console.log(textTable(header, rows));
  writeFileSync(join(dir, "breakdown.md"), markdownTable(header, rows) + "\n");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
