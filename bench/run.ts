/**
 * `npm run bench`: this server against stock Socket.IO with the classic and the sharded Redis
 * adapter (and the sharded one plus write coalescing alone), on the same Redis Cluster and the
 * same load. Prints a table per scenario and writes bench/results/results.json, results.md (the
 * tables for the README) and results.svg. Every process it starts is stopped when it ends, fails
 * or is interrupted.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseBenchOptions, type BenchOptions } from "./bench-options.js";
import { startBenchCluster } from "./cluster.js";
import { RedisTrafficMeter } from "./measure/redis-traffic.js";
import { Cleanup } from "./process/cleanup.js";
import { describeMachine, type BenchResults, type KindRun } from "./report/bench-results.js";
import { panels, sections } from "./report/summary.js";
import { svgChart } from "./report/svg-chart.js";
import { markdownTable, textTable } from "./report/text-table.js";
import { runHotRoom } from "./scenarios/hot-room.js";
import { runManyRooms } from "./scenarios/many-rooms.js";
import { KIND_LABELS, speaksBatches, startServers, type ServerKind } from "./servers/server-kinds.js";

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function runKind(
  options: BenchOptions,
  kind: ServerKind,
  masters: number,
  seeds: string,
  meter: RedisTrafficMeter,
  cleanup: Cleanup,
  withHotRoom: boolean,
): Promise<KindRun> {
  const tag = `${kind}-${masters}m-${Date.now().toString(36)}`;
  const stops: (() => Promise<void>)[] = [];
  const register = (name: string, stop: () => Promise<void>) => void stops.push(cleanup.add(name, stop));
  log(`${KIND_LABELS[kind]}, ${masters} masters: starting ${options.replicas} replicas`);
  const nodeArgs = withHotRoom && kind === "ours" && options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  // The many small rooms get profiles of their own, in DIR/rooms.
  const roomsArgs = withHotRoom && kind === "ours" && options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}/rooms`] : [];
  const start = (args: string[]) =>
    startServers(
      { kind, replicas: options.replicas, seeds, nodeArgs: args, coalesceMs: options.coalesceMs, ackReplicas: options.ackReplicas, batchTickMs: options.batchTickMs, beforeDir: options.beforeDir },
      register,
    );
  const clients = { viewers: options.viewers, batch: speaksBatches(kind, options.ourClients), sampleEvery: options.sampleEvery, readEveryMs: options.leanReadMs };
  const common = { textLength: options.textLength, loadProcesses: options.loadProcesses, clients };
  const result: KindRun = { kind, masters };
  try {
    if (withHotRoom && !options.skipHot) {
      const servers = await start(nodeArgs);
      log(`${KIND_LABELS[kind]}: hot room`);
      result.hot = await runHotRoom(servers, meter, { ...options.hot, ...common }, `hot-${tag}`, register, log);
      // Fresh replicas for the next scenario: the ladder's top rates leave big heaps behind, or a
      // dead baseline (out of memory).
      for (const stop of stops.splice(0).reverse()) await stop();
    }
    if (!options.skipRooms) {
      const servers = await start(roomsArgs);
      log(`${KIND_LABELS[kind]}: many rooms`);
      // Every lean viewer of the small rooms is a sample viewer: at 1 msg/s per room batching saves
      // nothing, and latency (issue 10's table) needs more than the 8 viewers a 2% sample would be.
      const rooms = { ...options.rooms, ...common, clients: { ...clients, sampleEvery: 1 } };
      result.manyRooms = await runManyRooms(servers, meter, rooms, `r-${tag}`, register, log);
    }
    return result;
  } catch (err) {
    log(`${KIND_LABELS[kind]}, ${masters} masters failed: ${err instanceof Error ? err.message : String(err)}`);
    // What did finish (the hot room, when many rooms failed) still counts.
    return { ...result, error: err instanceof Error ? err.message.split("\n")[0]! : String(err) };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/** Prints the tables and writes results.json, results.md and results.svg. */
function publish(results: BenchResults, outDir: string): void {
  const m = results.machine;
  const machine = `${m.nproc} cores (${m.cpu}), ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, Redis ${m.redis}`;
  console.log(`\nlive-chat bench, ${results.startedAt}, ${results.durationSec} s on ${machine}\n`);
  for (const s of sections(results)) {
    console.log(`${s.title}\n${textTable(s.header, s.rows)}${s.note ? `\n${s.note}` : ""}\n`);
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
  const markdown = sections(results).map((s) => `**${s.title}**\n\n${markdownTable(s.header, s.rows)}${s.note ? `\n\n${s.note}` : ""}\n`);
  writeFileSync(join(outDir, "results.md"), `Run of ${results.startedAt} (${results.durationSec} s) on ${machine}.\n\n${markdown.join("\n")}`);
  writeFileSync(join(outDir, "results.svg"), svgChart("live-chat vs stock Socket.IO", machine, panels(results)) + "\n");
  log(`wrote ${join(outDir, "results.json")}, results.md and results.svg`);
}

/** The short commit a checkout is at, for the `before` kind's label. */
function commitOf(dir: string): string {
  try {
    return execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"]).toString().trim();
  } catch {
    return dir;
  }
}

async function main(): Promise<void> {
  // `--render FILE`: only redraw the tables and the chart of an earlier run.
  const render = process.argv.indexOf("--render");
  if (render >= 0) {
    const file = process.argv[render + 1];
    if (!file) throw new Error("--render needs a results.json");
    const results = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
    return publish(results, dirname(file));
  }
  const options = parseBenchOptions(process.argv.slice(2));
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const started = Date.now();
  const results: BenchResults = {
    startedAt: new Date(started).toISOString(),
    durationSec: 0,
    machine: describeMachine(),
    options,
    runs: [],
    ...(options.beforeDir ? { beforeCommit: commitOf(options.beforeDir) } : {}),
  };
  try {
    for (const [i, masters] of options.masters.entries()) {
      log(`Redis Cluster: ${masters} masters x ${options.replicasPerMaster} replica(s)`);
      const cluster = await startBenchCluster(masters, options.replicasPerMaster);
      const stopCluster = cleanup.add(`redis cluster ${masters}`, () => cluster.stop());
      const meter = await RedisTrafficMeter.open(cluster.ports);
      const closeMeter = cleanup.add("traffic meter", () => meter.close());
      for (const kind of options.kinds) {
        results.runs.push(await runKind(options, kind, masters, cluster.seeds, meter, cleanup, i === 0));
      }
      await closeMeter();
      await stopCluster();
    }
  } finally {
    await cleanup.run();
  }
  results.durationSec = Math.round((Date.now() - started) / 1000);
  publish(results, options.outDir);
  if (results.runs.some((r) => r.error)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
