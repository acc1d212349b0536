/**
 * `npm run bench:big-room`: the biggest room issue 12 names, this server only. 10,000 viewers (lean
 * viewers with batches by default, `--viewers-kind sdk` for the SDK) spread over 3 replicas on a
 * 3+3 Redis Cluster, 100 messages/s for 30 s from senders on every replica. Reports delivered /
 * expected, send-to-receive latency, viewers the server disconnected (slow consumers included),
 * the servers' and the load's CPU per delivery, wire bytes per delivery and the lean sample's checks.
 *
 * Viewers are spread over several load processes, each far below this machine's open-files limit
 * (20,000 per process), and over source addresses 127.0.0.2.. (one per process), so ephemeral ports
 * never run short.
 */
import { parseArgs } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { startBenchCluster } from "./cluster.js";
import type { ViewerKind } from "./load/load-protocol.js";
import { RedisTrafficMeter } from "./measure/redis-traffic.js";
import { Cleanup } from "./process/cleanup.js";
import { describeMachine } from "./report/bench-results.js";
import { markdownTable, textTable } from "./report/text-table.js";
import { runHotRoom } from "./scenarios/hot-room.js";
import { SERVER_KINDS, speaksBatches, startServers, type ServerKind } from "./servers/server-kinds.js";

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      viewers: { type: "string", default: "10000" },
      kind: { type: "string", default: "ours" },
      replicas: { type: "string", default: "3" },
      rate: { type: "string", default: "100" },
      "duration-ms": { type: "string", default: "30000" },
      "load-processes": { type: "string", default: "4" },
      senders: { type: "string", default: "6" },
      "viewers-kind": { type: "string", default: "lean" },
      "sample-every": { type: "string", default: "50" },
      "lean-read-ms": { type: "string", default: "250" },
      out: { type: "string", default: "bench/results/big-room.json" },
    },
  });
  const viewers = Number(values.viewers);
  const replicas = Number(values.replicas);
  const rate = Number(values.rate);
  const stepMs = Number(values["duration-ms"]);
  const loadProcesses = Number(values["load-processes"]);
  const viewerKind = values["viewers-kind"] as ViewerKind;
  if (!["lean", "sdk", "plain"].includes(viewerKind)) throw new Error("--viewers-kind lean|sdk|plain");
  const kind = values.kind as ServerKind;
  if (!SERVER_KINDS.includes(kind) || kind === "before") throw new Error(`--kind ${SERVER_KINDS.filter((k) => k !== "before").join("|")}`);
  const clients = { viewers: viewerKind, batch: speaksBatches(kind, "sdk"), sampleEvery: Number(values["sample-every"]), readEveryMs: Number(values["lean-read-ms"]) };
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const started = Date.now();
  try {
    const cluster = await startBenchCluster(3, 1);
    cleanup.add("redis cluster", () => cluster.stop());
    const meter = await RedisTrafficMeter.open(cluster.ports);
    cleanup.add("traffic meter", () => meter.close());
    const register = (name: string, stop: () => Promise<void>) => void cleanup.add(name, stop);
    const servers = await startServers({ kind, replicas, seeds: cluster.seeds, nodeArgs: [], coalesceMs: 20, ackReplicas: "auto", batchTickMs: 25 }, register);
    const hot = await runHotRoom(
      servers,
      meter,
      { viewers, senders: Number(values.senders), rates: [rate], stepMs, textLength: 80, loadProcesses, clients, spreadAddresses: true },
      `big-${Date.now().toString(36)}`,
      register,
      log,
    );
    const step = hot.steps[0];
    if (!step) throw new Error(`the big room failed at ${hot.failedAt} msg/s: ${hot.failure}`);
    const result = { startedAt: new Date(started).toISOString(), durationSec: Math.round((Date.now() - started) / 1000), machine: describeMachine(), viewers, replicas, rate, stepMs, memory: hot.memory, step };
    const out = values.out!;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    const kindName = viewerKind === "lean" ? `lean, batches, 1 in ${clients.sampleEvery} sampled` : viewerKind === "sdk" ? "SDK, batches" : "socket.io-client, batches";
    const title = `Big room: ${viewers} viewers (${kindName}) over ${replicas} replicas, ${rate} msg/s for ${stepMs / 1000} s`;
    const header = ["sent", "acked", "delivered", "deliveries/s", "expected/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "disconnected", "slow consumers", "SDK refills", "server CPU us/delivery", "load CPU us/delivery", "of it viewers", "wire B/delivery", "sample: gaps/late/scan"];
    const rows = [
      [
        step.sent,
        step.acked,
        `${step.delivered}/${step.expected} (${((100 * step.delivered) / Math.max(1, step.expected)).toFixed(2)}%)`,
        step.deliveriesPerSec,
        step.offeredDeliveriesPerSec,
        step.all.p50,
        step.all.p95,
        step.all.p99,
        step.all.max,
        step.disconnects,
        step.slowConsumers ?? "-",
        step.refills ?? "-",
        step.serverCpuUsPerDelivery,
        step.loadCpuUsPerDelivery,
        step.viewerCpuUsPerDelivery ?? "-",
        step.wireBytesPerDelivery ?? "-",
        step.sample ? `${step.sample.gaps}/${step.sample.duplicates}/${step.sample.scanMismatches} of ${step.sample.checked}` : "-",
      ],
    ];
    const latencyOf = viewerKind === "lean" ? "the sample viewers (the others read in batches)" : "all viewers";
    const note = `Run of ${result.startedAt} (${result.durationSec} s). Latency over ${latencyOf}, send to receive. Slow consumers: connections this server closed for more than MAX_CLIENT_QUEUE_BYTES queued (its /metrics, cumulative).`;
    writeFileSync(out.replace(/\.json$/, "") + ".md", `**${title}**\n\n${markdownTable(header, rows)}\n\n${note}\n`);
    console.log(`\n${title}\n${textTable(header, rows)}\n${note}`);
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
