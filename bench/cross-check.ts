/**
 * `npm run bench:cross-check`: do the lean viewers count exactly what real clients count? On a
 * Redis Cluster of its own, this server (lean viewers with batches beside SDK viewers) and stock
 * Socket.IO with the sharded adapter (lean viewers beside socket.io-client viewers), 2 replicas
 * each, as many viewers of each kind in one room (bench/scenarios/cross-check.ts). Prints a table,
 * writes it beside `--out`, and exits with 1 if anything differs.
 *
 *   npm run bench:cross-check [-- --viewers 100 --rate 40 --duration-ms 5000 --kinds ours,sharded --out FILE]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { startBenchCluster } from "./cluster.js";
import { Cleanup } from "./process/cleanup.js";
import { describeMachine } from "./report/bench-results.js";
import { markdownTable, textTable } from "./report/text-table.js";
import { runCrossCheck, type CrossCheckResult } from "./scenarios/cross-check.js";
import { KIND_LABELS, speaksBatches, startServers, type ServerKind } from "./servers/server-kinds.js";

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      viewers: { type: "string", default: "100" },
      rate: { type: "string", default: "40" },
      "duration-ms": { type: "string", default: "5000" },
      kinds: { type: "string", default: "ours,sharded" },
      out: { type: "string", default: "bench/results/cross-check.json" },
    },
  });
  const kinds = values.kinds!.split(",") as ServerKind[];
  const options = { viewersPerKind: Number(values.viewers), ratePerSec: Number(values.rate), durationMs: Number(values["duration-ms"]) };
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const started = Date.now();
  const runs: { kind: ServerKind; result: CrossCheckResult }[] = [];
  try {
    const cluster = await startBenchCluster(3, 1);
    cleanup.add("redis cluster", () => cluster.stop());
    for (const kind of kinds) {
      const stops: (() => Promise<void>)[] = [];
      const register = (name: string, stop: () => Promise<void>) => void stops.push(cleanup.add(name, stop));
      try {
        const servers = await startServers({ kind, replicas: 2, seeds: cluster.seeds, nodeArgs: [], coalesceMs: 20, ackReplicas: "auto", batchTickMs: 25 }, register);
        log(`${KIND_LABELS[kind]}: ${options.viewersPerKind} lean viewers beside ${options.viewersPerKind} reference viewers`);
        const result = await runCrossCheck(servers.map((s) => s.url), { ...options, batch: speaksBatches(kind, "sdk") }, `cross-${kind}-${Date.now().toString(36)}`, register);
        log(`  ${result.problems.length === 0 ? "same counts" : result.problems.join("; ")}`);
        runs.push({ kind, result });
      } finally {
        for (const stop of stops.reverse()) await stop();
      }
    }
  } finally {
    await cleanup.run();
  }

  const header = ["server", "viewers", "messages acked", "deliveries", "expected", "stamp checksum", "lean sample", "result"];
  const rows = runs.flatMap(({ kind, result: r }) =>
    (Object.entries(r.kinds) as [string, { viewers: number; deliveries: number; checksum: number }][]).map(([viewer, t]) => [
      KIND_LABELS[kind],
      `${t.viewers} ${viewer === "lean" ? "lean" : viewer === "sdk" ? "SDK" : "socket.io-client"}`,
      r.acked,
      t.deliveries,
      r.acked * t.viewers,
      t.checksum,
      viewer === "lean" && r.sample ? `${r.sample.viewers} viewers, ${r.sample.checked} entries: ${r.sample.gaps} gaps, ${r.sample.duplicates} dups, ${r.sample.scanMismatches} scan mismatches` : "",
      r.problems.length === 0 ? "same" : r.problems.join("; "),
    ]),
  );
  const title = `Lean viewers vs real clients, same room, same time: ${options.viewersPerKind} of each over 2 replicas, ${options.ratePerSec} msg/s for ${options.durationMs / 1000} s`;
  const note = `Run of ${new Date(started).toISOString()} (${Math.round((Date.now() - started) / 1000)} s). Stamp checksum: the sum of the delivered messages' send times (µs) modulo 1,000,000,007; equal viewer counts that received the same messages have equal sums.`;
  console.log(`\n${title}\n${textTable(header, rows)}\n${note}`);
  const out = values.out!;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ startedAt: new Date(started).toISOString(), machine: describeMachine(), options, runs }, null, 2) + "\n");
  writeFileSync(out.replace(/\.json$/, "") + ".md", `**${title}**\n\n${markdownTable(header, rows)}\n\n${note}\n`);
  if (runs.length < kinds.length || runs.some((r) => r.result.problems.length > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
