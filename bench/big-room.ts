/**
 * `npm run bench:big-room`: the biggest room issue 12 names, this server only. 10,000 viewers (the
 * SDK, batches) spread over 3 replicas on a 3+3 Redis Cluster, 100 messages/s for 30 s from
 * senders on every replica. Reports delivered / expected, send-to-receive latency, viewers the
 * server disconnected (slow consumers included) and the servers' and load's CPU per delivery.
 *
 * Viewers are spread over several load processes, each far below this machine's open-files limit
 * (20,000 per process), and over source addresses 127.0.0.2.. (one per process), so ephemeral ports
 * never run short.
 */
import { parseArgs } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { startBenchCluster } from "./cluster.js";
import { RedisTrafficMeter } from "./measure/redis-traffic.js";
import { Cleanup } from "./process/cleanup.js";
import { describeMachine } from "./report/bench-results.js";
import { textTable } from "./report/text-table.js";
import { runHotRoom } from "./scenarios/hot-room.js";
import { startServers } from "./servers/server-kinds.js";

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      viewers: { type: "string", default: "10000" },
      replicas: { type: "string", default: "3" },
      rate: { type: "string", default: "100" },
      "duration-ms": { type: "string", default: "30000" },
      "load-processes": { type: "string", default: "4" },
      senders: { type: "string", default: "6" },
      out: { type: "string", default: "bench/results/big-room.json" },
    },
  });
  const viewers = Number(values.viewers);
  const replicas = Number(values.replicas);
  const rate = Number(values.rate);
  const stepMs = Number(values["duration-ms"]);
  const loadProcesses = Number(values["load-processes"]);
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const started = Date.now();
  try {
    const cluster = await startBenchCluster(3, 1);
    cleanup.add("redis cluster", () => cluster.stop());
    const meter = await RedisTrafficMeter.open(cluster.ports);
    cleanup.add("traffic meter", () => meter.close());
    const register = (name: string, stop: () => Promise<void>) => void cleanup.add(name, stop);
    const servers = await startServers({ kind: "ours", replicas, seeds: cluster.seeds, nodeArgs: [], coalesceMs: 20, ackReplicas: "auto", batchTickMs: 25 }, register);
    const hot = await runHotRoom(
      servers,
      meter,
      { viewers, senders: Number(values.senders), rates: [rate], stepMs, textLength: 80, loadProcesses, sdk: true, spreadAddresses: true },
      `big-${Date.now().toString(36)}`,
      register,
      log,
    );
    const step = hot.steps[0]!;
    const result = { startedAt: new Date(started).toISOString(), durationSec: Math.round((Date.now() - started) / 1000), machine: describeMachine(), viewers, replicas, rate, stepMs, step };
    mkdirSync("bench/results", { recursive: true });
    writeFileSync(values.out!, JSON.stringify(result, null, 2) + "\n");
    console.log(
      `\nBig room: ${viewers} viewers (SDK, batches) over ${replicas} replicas, ${rate} msg/s for ${stepMs / 1000} s\n` +
        textTable(
          ["sent", "acked", "delivered", "deliveries/s", "offered/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "disconnected", "server CPU us/delivery", "load CPU us/delivery"],
          [[step.sent, step.acked, `${step.delivered}/${step.expected} (${((100 * step.delivered) / step.expected).toFixed(2)}%)`, step.deliveriesPerSec, step.offeredDeliveriesPerSec, step.all.p50, step.all.p95, step.all.p99, step.all.max, step.disconnects, step.serverCpuUsPerDelivery, step.loadCpuUsPerDelivery]],
        ),
    );
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
